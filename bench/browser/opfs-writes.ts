// `npx tsx bench/browser/opfs-writes.ts [--full]`: web/lib/opfs-store.ts's two write backends in a real
// profile's OPFS (one headless Chromium, chromium.ts): 256 KiB pieces written in shuffled order into
// one file, close and flush included. createWritable({ keepExistingData: true }) copies the whole file
// into a swap file on every open and back on close, so its cost per piece grows with the file: it is
// measured at two sizes to show that. --full: the sizes of docs/performance.md (slower).
import { buildHarness } from '../../e2e/lib-harness/build.ts'
import { serveStatic } from '../../e2e/lib-harness/servers.ts'
import { benchPeer, closePeers } from './chromium.ts'

const sizes = process.argv.includes('--full') ? { writable: [4, 16], worker: [16, 64] } : { writable: [2, 8], worker: [16] }
const site = await serveStatic(await buildHarness())
const peer = await benchPeer(site.url)
try {
  const r = await peer.page.evaluate(async (sizes) => {
    const h = window.swarmdropHarness
    const out: string[] = []
    for (const kind of ['writable', 'worker'] as const) {
      for (const mib of sizes[kind]) {
        const hex = 'c0'.repeat(20)
        const mbps = await h.opfsHelpers.benchWrites(kind, mib * 1024 * 1024, 256 * 1024, hex)
        await h.opfsPaths.deleteTorrentData(hex)
        out.push(`${kind} ${mib} MiB: ${mbps.toFixed(1)} MB/s`)
      }
    }
    return out
  }, sizes)
  console.log(`opfs writes, one file, 256 KiB pieces in shuffled order, close+flush included: ${r.join(' | ')}`)
} finally {
  await closePeers([peer])
  await site.close()
}
