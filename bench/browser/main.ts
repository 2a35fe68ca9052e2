// `npm run bench:browser [-- --mib N --rounds R --no-swarm --only swarmdrop,webtorrent,raw --probe --js-profile --tag T]`: real transfers in one headless Chromium,
// every peer its own browser context, loopback only, no STUN, all through our tracker process
// (tracker/main.ts, which also serves the harness page web/harness). One after the other, in one run:
//   1. raw-datachannel: one reliable ordered data channel, 16 KiB sends with back-pressure: the ceiling;
//   2. swarmdrop 1 -> 1: SwarmClient seeds N MiB, a second context opens its share link;
//   3. webtorrent 1 -> 1: the webtorrent 3 browser bundle in both contexts, same file, same tracker;
//   4. swarmdrop and webtorrent 3 -> 1 (unless --no-swarm).
// Prints MB/s, time to the first verified piece, Chromium's CPU, the ratios swarmdrop/webtorrent and
// swarmdrop/raw; writes bench/results/browser-<date>.json. Every run is bounded: a stuck one reports
// a timeout and the next one runs. The machine is noisy (shared, 2 cores): compare within one run.
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { fileURLToPath } from 'node:url'
import { buildHarness } from '../../e2e/lib-harness/build.ts'
import { startOurTracker } from '../../e2e/lib-harness/servers.ts'
import { benchPeer, bounded, closePeers, launchChromium } from './chromium.ts'
import { runRawChannel } from './raw-channel-run.ts'
import type { RunResult, Transfer } from './result.ts'
import { runSwarmdrop } from './swarmdrop-run.ts'
import { printTable, ratiosOf } from './table.ts'
import { runWebTorrent } from './webtorrent-run.ts'

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`)
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} wants a positive number`)
  return v
}

const mib = flag('mib', Number(process.env.BENCH_BROWSER_MIB ?? 128))
const rounds = flag('rounds', 1)
const withSwarm = !process.argv.includes('--no-swarm')
/** `--only swarmdrop,raw`: run just the plans whose label starts with one of these. */
const onlyAt = process.argv.indexOf('--only')
const only = onlyAt >= 0 ? (process.argv[onlyAt + 1] ?? '').split(',') : null
/** Per run: setup (seeding hashes and copies N MiB), the transfer at no worse than ~1 MB/s, the check. */
const timeoutMs = (60 + mib * 2) * 1000

const loadBefore = loadavg()
console.log(`browser transfer bench: ${mib} MiB, ${rounds} round(s), load average ${loadBefore.map((x) => x.toFixed(2)).join(' ')}, ${cpus().length} cores`)
const harnessDir = await buildHarness() // per process (dist/harness/p<pid>): e2e runs cannot empty it
const tracker = await startOurTracker(0, ['--web-root', harnessDir, '--log-level', 'warn'])
const browser = await launchChromium()
const results: RunResult[] = []
try {
  const probe = process.argv.includes('--probe')
  const jsProfile = process.argv.includes('--js-profile')
  const one: Transfer = { mib, seeders: 1, timeoutMs, probe, jsProfile }
  const three: Transfer = { mib, seeders: 3, timeoutMs, probe, jsProfile }
  const plan: [string, () => Promise<RunResult>][] = [
    ['raw data channel', () => runRawChannel(browser, tracker.httpUrl, one)],
    ['swarmdrop 1 -> 1', () => runSwarmdrop(browser, tracker.httpUrl, one)],
    ['webtorrent 1 -> 1', () => runWebTorrent(browser, tracker.httpUrl, tracker.url, one)],
    ...(withSwarm
      ? ([
          ['swarmdrop 3 -> 1', () => runSwarmdrop(browser, tracker.httpUrl, three)],
          ['webtorrent 3 -> 1', () => runWebTorrent(browser, tracker.httpUrl, tracker.url, three)],
        ] as [string, () => Promise<RunResult>][])
      : []),
  ]
  // Warm-up: the first page load of a fresh Chromium (and of the harness bundle) can take tens of
  // seconds on a loaded machine; let it happen outside every measured run.
  await bounded('warm-up', 120_000, benchPeer(browser, tracker.httpUrl).then((p) => closePeers([p])))
  for (let r = 0; r < rounds; r++) {
    for (const [label, run] of plan) {
      if (only && !only.some((o) => label.startsWith(o))) continue
      process.stdout.write(`  ${label} ... `)
      const res = await run()
      results.push(res)
      console.log(res.ok ? `${res.mbPerS} MB/s` : `FAILED: ${res.error}`)
      if (res.details?.['probe']) console.log(`    channels: ${JSON.stringify(res.details['probe'])}`)
      const js = res.details?.['leecherJsProfile'] as { sampledMs: number; top: { fn: string; ms: number }[] } | undefined
      if (js) console.log(`    leecher JS (${js.sampledMs} ms sampled): ${js.top.map((f) => `${f.fn} ${f.ms}`).join(' | ')}`)
    }
  }
} finally {
  await browser.close().catch(() => {})
  await tracker.close()
}

const loadAfter = loadavg()
printTable(results)
const ratios = ratiosOf(results)
for (const [k, v] of Object.entries(ratios)) console.log(`${k}: ${v ?? 'n/a'}`)
console.log(`load average after: ${loadAfter.map((x) => x.toFixed(2)).join(' ')}`)

const root = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '')
const date = new Date().toISOString().slice(0, 10)
mkdirSync(`${root}/bench/results`, { recursive: true })
// A partial run (--only, or --tag for experiments) must not overwrite the day's full results.
const tagAt = process.argv.indexOf('--tag')
const tag = tagAt >= 0 ? process.argv[tagAt + 1] : only ? 'partial' : undefined
const out = `${root}/bench/results/browser-${date}${tag ? `-${tag}` : ''}.json`
writeFileSync(
  out,
  JSON.stringify(
    {
      bench: 'browser',
      date: new Date().toISOString(),
      mib,
      rounds,
      machine: { cores: cpus().length, loadAverageBefore: loadBefore, loadAverageAfter: loadAfter, chromium: browser.version() },
      results,
      ratios,
    },
    null,
    2,
  ) + '\n',
)
console.log(`wrote ${out}`)
process.exitCode = results.every((r) => r.ok) ? 0 : 1
