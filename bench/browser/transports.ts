// `npx tsx bench/browser/transports.ts [--mib N --rounds R]`: web/lib's DataChannelTransport (simple-peer,
// through PeerPool) against a bare RTCDataChannel driven with the same chunking and water marks
// (web/harness/transport-bench.ts), between two headless Chromiums (chromium.ts), alternating, each
// way. What simple-peer costs on top of the channel.
import { buildHarness } from '../../e2e/lib-harness/build.ts'
import { closeChannel, connectPools, connectRaw, transfer } from '../../e2e/lib-harness/channel-pair.ts'
import { serveStatic } from '../../e2e/lib-harness/servers.ts'
import { benchPeer, closePeers } from './chromium.ts'

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`)
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} wants a positive number`)
  return v
}

const mib = flag('mib', 64)
const rounds = flag('rounds', 2)
const site = await serveStatic(await buildHarness())
const a = await benchPeer(site.url)
const b = await benchPeer(site.url)
try {
  const total = mib * 1024 * 1024
  const figures: Record<string, number[]> = { raw: [], 'simple-peer': [] }
  for (let round = 0; round < rounds; round++) {
    for (const kind of ['raw', 'simple-peer'] as const) {
      if (kind === 'raw') await connectRaw(a, b)
      else await connectPools(a, b)
      for (const [from, to] of [[a, b], [b, a]] as const) {
        const r = await transfer(from, to, total)
        if (!r.intact) throw new Error(`${kind}: the received bytes broke the pattern`)
        figures[kind]!.push(total / (r.ms / 1000) / 1e6)
      }
      await closeChannel(a, b)
    }
  }
  const line = Object.entries(figures).map(([k, v]) => `${k}: ${v.map((x) => x.toFixed(1)).join(', ')} MB/s`).join(' | ')
  console.log(`transports, ${mib} MiB per transfer, A->B then B->A per round, 16 KiB sends, HWM 1 MiB: ${line}`)
} finally {
  await closePeers([a, b])
  await site.close()
}
