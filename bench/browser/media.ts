// `npm run bench:media [-- --share-mib 256,1024]`: issue 14's figures beside WebTorrent's browser
// bundle, in one run (bench/browser/: each peer its own Chromium with a profile on disk, our tracker
// process serving the harness page):
//   - drop to share link: a file on disk dropped into the page, swarmdrop's seed() to its link against
//     WebTorrent's seed() to ready (goal: at most 3 s for 1 GiB, at least 5x faster than WebTorrent).
// Not here yet (see docs/performance.md): leecher peak memory at 1 and 4 GiB (the @slow e2e spec
// e2e/app-memory.spec.ts measures ours with SWARMDROP_FULL_SIZES=1), and open-link-to-first-frame.
// Writes bench/results/browser-media-<date>.json.
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { fileURLToPath } from 'node:url'
import { buildHarness } from '../../e2e/lib-harness/build.ts'
import { startOurTracker } from '../../e2e/lib-harness/servers.ts'
import { randomFile } from '../../e2e/media/files.ts'
import { runShareLink, type ShareLinkResult } from './share-link-run.ts'

const at = process.argv.indexOf('--share-mib')
const sizes = (at >= 0 ? (process.argv[at + 1] ?? '') : '256,1024').split(',').map(Number).filter((n) => Number.isFinite(n) && n > 0)
const loadBefore = loadavg()
console.log(`media bench: drop to share link for ${sizes.join(', ')} MiB, load average ${loadBefore.map((x) => x.toFixed(2)).join(' ')}, ${cpus().length} cores`)
const harnessDir = await buildHarness()
const tracker = await startOurTracker(0, ['--web-root', harnessDir, '--log-level', 'warn'])
const results: ShareLinkResult[] = []
try {
  for (const mib of sizes) {
    const file = randomFile(`share-${mib}.bin`, mib)
    for (const name of ['swarmdrop', 'webtorrent'] as const) {
      process.stdout.write(`  ${name} drop to link, ${mib} MiB ... `)
      const r = await runShareLink(tracker.httpUrl, tracker.url, name, mib, file.path, { timeoutMs: (60 + mib) * 1000 })
      results.push(r)
      console.log(r.ok ? `${r.ms} ms` : `FAILED: ${r.error}`)
    }
  }
} finally {
  await tracker.close()
}
console.log('\n| MiB | swarmdrop ms | WebTorrent ms | WebTorrent / swarmdrop |\n|---|---|---|---|')
for (const mib of sizes) {
  const s = results.find((r) => r.mib === mib && r.name === 'swarmdrop')
  const w = results.find((r) => r.mib === mib && r.name === 'webtorrent')
  console.log(`| ${mib} | ${s?.ms ?? 'failed'} | ${w?.ms ?? 'failed'} | ${s?.ms && w?.ms ? (w.ms / s.ms).toFixed(1) : 'n/a'} |`)
}
const root = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '')
mkdirSync(`${root}/bench/results`, { recursive: true })
const out = `${root}/bench/results/browser-media-${new Date().toISOString().slice(0, 10)}.json`
writeFileSync(out, JSON.stringify({ bench: 'browser-media', date: new Date().toISOString(), machine: { cores: cpus().length, loadAverageBefore: loadBefore, loadAverageAfter: loadavg() }, results }, null, 2) + '\n')
console.log(`wrote ${out}`)
process.exitCode = results.every((r) => r.ok) ? 0 : 1
