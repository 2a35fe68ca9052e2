// `npm run bench:browser`: real transfers between headless Chromiums, one browser per peer (as two
// users would have; chromium.ts), every announce through our tracker process (tracker/main.ts, which
// also serves the harness page web/harness). For each network condition (loopback, then through the
// relay of bench/network: 50 ms round trip, and 50 ms with 1 % loss each way), every round runs:
//   raw data channel (the ceiling: one reliable ordered channel, 16 KiB sends with back-pressure),
//   swarmdrop 1 -> 1 and WebTorrent 1 -> 1 (the webtorrent 3 browser bundle), then 3 -> 1 of both,
// swarmdrop and WebTorrent alternating which goes first from round to round. Each run reports MB/s,
// seconds, time to the first verified piece, and Chromium CPU per MiB for the leecher's browser, the
// seeders' and both (/proc; the relay's own CPU apart). At the end: medians and spread over the
// rounds, ratios paired per round, and issue 10's goals beside them; bench/results/browser-<date>.json.
//
// Flags: --rounds R (3), --mib N (loopback size, 128), --delay-mib N (with delay, 64), --loss-mib N
// (with loss, 16), --conditions loopback,50ms,50ms-1%loss (any <rtt>ms[-<p>%loss][@<mbit>mbit]), --only
// swarmdrop,webtorrent,raw (label prefixes),
// --variant NAME='{"limit":value}' (swarmdrop with other engine limits beside the default: A/B),
// --meta-versions v2,hybrid (swarmdrop sharing v2-only and/or hybrid torrents beside the default v1,
// BEP 52: issue 12's v2-against-v1 MB/s, paired per round like a variant),
// --no-swarm (no 3 -> 1), --raw-send-kib N (the raw channel's sends, 16), --raw-connections N (a second
// raw baseline over N RTCPeerConnections at once), --threads (CPU per process and thread), --probe, --js-profile,
// --trace [--trace-after ms --trace-for ms] (renderer-trace.ts), --tag T.
// The machine is shared and has 2 cores: compare within one run; CPU per MiB is the steadier figure.
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { fileURLToPath } from 'node:url'
import { buildHarness } from '../../e2e/lib-harness/build.ts'
import { startOurTracker } from '../../e2e/lib-harness/servers.ts'
import type { LinkConditions } from '../network/link.ts'
import { startRelayProcess, type RelayHandle } from '../network/relay-process.ts'
import { benchPeer, bounded, closePeers } from './chromium.ts'
import { runRawChannel } from './raw-channel-run.ts'
import type { RunResult, Transfer } from './result.ts'
import { checkGoals, summarize, variantRatios } from './summary.ts'
import { runSwarmdrop } from './swarmdrop-run.ts'
import { printCpu, printGoals, printSummary, printTrace, printVariants, runLine } from './table.ts'
import { runWebTorrent } from './webtorrent-run.ts'

/** The relay's counters summed over its links (both directions of every pair of peers). */
function relayTotals(s: Awaited<ReturnType<RelayHandle['stats']>>): { cpuSeconds: number; datagrams: number; bytes: number; lost: number; overflowed: number } {
  const sum = (k: 'datagrams' | 'bytes' | 'lost' | 'overflowed') => s.links.reduce((n, l) => n + l.counters[k], 0)
  return { cpuSeconds: s.cpuSeconds, datagrams: sum('datagrams'), bytes: sum('bytes'), lost: sum('lost'), overflowed: sum('overflowed') }
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? process.argv[i + 1] : undefined
}

function flag(name: string, fallback: number): number {
  const v = Number(arg(name) ?? fallback)
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} wants a positive number`)
  return v
}

interface Condition {
  name: string
  link: LinkConditions | null
  mib: number
  /** Bound per run: setup plus the transfer at no worse than 1 MiB per this many seconds. */
  secondsPerMiB: number
}

/**
 * 'loopback', or '<rtt>ms[-<p>%loss][@<mbit>mbit]' through the relay: half the round trip each way,
 * the loss on each direction, and a bottleneck of <mbit> Mbit/s each way (default 100) with a
 * router-like queue of 50 ms at that rate: without a bottleneck the relay would hand a sender's whole
 * window to the receiving browser at once, which no real path does (and its socket overflows).
 * The defaults are loopback, 50ms and 50ms-1%loss.
 */
function conditionOf(name: string): Condition {
  if (name === 'loopback') return { name, link: null, mib: flag('mib', Number(process.env.BENCH_BROWSER_MIB ?? 128)), secondsPerMiB: 2 }
  const m = /^(\d+(?:\.\d+)?)ms(?:-(\d+(?:\.\d+)?)%loss)?(?:@(\d+(?:\.\d+)?)mbit)?$/.exec(name)
  if (!m) throw new Error(`--conditions: '${name}' is not loopback or <rtt>ms[-<p>%loss][@<mbit>mbit]`)
  const loss = Number(m[2] ?? 0) / 100
  const rateBytesPerSec = (Number(m[3] ?? 100) * 1e6) / 8
  const link: LinkConditions = { delayMs: Number(m[1]) / 2, jitterMs: 0, loss, rateBytesPerSec, queueBytes: Math.round(rateBytesPerSec * 0.05) }
  // With loss, one SCTP association on a 50 ms path runs at a few hundred kB/s: smaller, longer-bounded runs.
  return loss > 0 ? { name, link, mib: flag('loss-mib', 16), secondsPerMiB: 15 } : { name, link, mib: flag('delay-mib', 64), secondsPerMiB: 4 }
}

const conditions = (arg('conditions') ?? 'loopback,50ms,50ms-1%loss').split(',').map(conditionOf)
const rounds = flag('rounds', 3)
const withSwarm = !process.argv.includes('--no-swarm')
/** `--only swarmdrop,raw`: run just the plans whose label starts with one of these. */
const only = arg('only')?.split(',') ?? null
const probe = process.argv.includes('--probe')
const jsProfile = process.argv.includes('--js-profile')
const rawSendBytes = flag('raw-send-kib', 16) * 1024
/** `--raw-connections N`: a second raw baseline over N RTCPeerConnections at once (several associations). */
const rawConnections = Math.round(flag('raw-connections', 1))
/** `--variant NAME='{"requestLength":16384}'`: swarmdrop with other engine limits, run beside the default (A/B). */
const variants: NonNullable<Transfer['variant']>[] = process.argv.flatMap((a, i) => {
  if (a !== '--variant') return []
  const v = process.argv[i + 1] ?? ''
  const at = v.indexOf('=')
  if (at <= 0) throw new Error('--variant wants NAME=JSON')
  return [{ name: v.slice(0, at), limits: JSON.parse(v.slice(at + 1)) as Record<string, number> }]
})
/** `--meta-versions v2,hybrid`: the same transfer of a v2-only and/or a hybrid torrent (BEP 52), as variants. */
for (const v of arg('meta-versions')?.split(',') ?? []) {
  if (v !== 'v2' && v !== 'hybrid') throw new Error(`--meta-versions: '${v}' is not v2 or hybrid`)
  variants.push({ name: v, limits: {}, metaVersion: v === 'v2' ? 2 : 'hybrid' })
}
const trace = process.argv.includes('--trace') ? { afterMs: flag('trace-after', 3000), forMs: flag('trace-for', 3000) } : undefined

const loadBefore = loadavg()
console.log(
  `browser transfer bench: ${conditions.map((c) => `${c.name} ${c.mib} MiB`).join(', ')}; ${rounds} round(s); ` +
    `load average ${loadBefore.map((x) => x.toFixed(2)).join(' ')}, ${cpus().length} cores`,
)
const harnessDir = await buildHarness() // per process (dist/harness/p<pid>): e2e runs cannot empty it
const tracker = await startOurTracker(0, ['--web-root', harnessDir, '--log-level', 'warn'])
const results: RunResult[] = []
try {
  // Warm-up: the first Chromium start and harness load of a run can take tens of seconds on a loaded
  // machine; let them happen outside every measured run.
  await bounded('warm-up', 120_000, benchPeer(tracker.httpUrl).then((p) => closePeers([p])))
  for (const c of conditions) {
    const relay: RelayHandle | null = c.link ? await startRelayProcess(c.link, 1) : null
    try {
      const t = (seeders: number): Transfer => ({ mib: c.mib, seeders, timeoutMs: (60 + c.mib * c.secondsPerMiB) * 1000, probe, jsProfile, trace, rawSendBytes, network: relay ?? undefined })
      for (let round = 0; round < rounds; round++) {
        const pair = (seeders: number): [string, () => Promise<RunResult>][] => {
          const sd: [string, () => Promise<RunResult>][] = [
            [`swarmdrop ${seeders}->1`, () => runSwarmdrop(tracker.httpUrl, t(seeders))],
            ...variants.map((v): [string, () => Promise<RunResult>] => [`swarmdrop[${v.name}] ${seeders}->1`, () => runSwarmdrop(tracker.httpUrl, { ...t(seeders), variant: v })]),
          ]
          const wt: [string, () => Promise<RunResult>] = [`webtorrent ${seeders}->1`, () => runWebTorrent(tracker.httpUrl, tracker.url, t(seeders))]
          // Alternate the order from round to round, so a drift in the machine's load falls on every side.
          return round % 2 === 0 ? [...sd, wt] : [wt, ...sd.reverse()]
        }
        const raws: [string, () => Promise<RunResult>][] = [
          ['raw data channel', () => runRawChannel(tracker.httpUrl, t(1))],
          ...(rawConnections > 1 ? [[`raw data channel x${rawConnections}`, () => runRawChannel(tracker.httpUrl, { ...t(1), rawConnections })] as [string, () => Promise<RunResult>]] : []),
        ]
        const plan: [string, () => Promise<RunResult>][] = [...raws, ...pair(1), ...(withSwarm ? pair(3) : [])]
        for (const [label, run] of plan) {
          if (only && !only.some((o) => label.startsWith(o))) continue
          process.stdout.write(`  [${c.name}, round ${round + 1}, load ${loadavg()[0]!.toFixed(1)}] ${label} ... `)
          const relayBefore = relay ? relayTotals(await relay.stats()) : null
          const res = await run()
          res.condition = c.name
          res.round = round
          if (relay && relayBefore) {
            const after = relayTotals(await relay.stats())
            res.relayCpuSeconds = Math.round((after.cpuSeconds - relayBefore.cpuSeconds) * 100) / 100
            // Every payload byte must have crossed the relay (one datagram carries at most ~1.2 kB):
            // a page whose candidates were not rewritten would have connected over loopback.
            const datagrams = after.datagrams - relayBefore.datagrams
            // Bytes relayed per payload byte (both directions): ~1.2 is headers and acknowledgements; more is retransmission.
            const bytesPerPayload = Math.round(((after.bytes - relayBefore.bytes) / (c.mib * 1048576)) * 1000) / 1000
            res.details = { ...res.details, relay: { datagrams, bytesPerPayload, lost: after.lost - relayBefore.lost, overflowed: after.overflowed - relayBefore.overflowed } }
            if (res.ok && datagrams < (c.mib * 1048576) / 1300) Object.assign(res, { ok: false, error: `only ${datagrams} datagrams crossed the relay` })
          }
          results.push(res)
          console.log(runLine(res))
          if (res.details?.['probe']) console.log(`    channels: ${JSON.stringify(res.details['probe'])}`)
          const js = res.details?.['leecherJsProfile'] as { sampledMs: number; top: { fn: string; ms: number }[] } | undefined
          if (js) console.log(`    leecher JS (${js.sampledMs} ms sampled): ${js.top.map((f) => `${f.fn} ${f.ms}`).join(' | ')}`)
          if ((trace || process.argv.includes('--threads')) && res.cpu) printCpu(res)
          if (res.trace) printTrace(res.trace)
        }
      }
    } finally {
      await relay?.close()
    }
  }
} finally {
  await tracker.close()
}

const loadAfter = loadavg()
const summary = summarize(results)
const goals = checkGoals(results, conditions.map((c) => c.name))
printSummary(summary)
printGoals(goals)
const ab = variantRatios(results)
printVariants(ab)
console.log(`load average before ${loadBefore.map((x) => x.toFixed(2)).join(' ')}, after ${loadAfter.map((x) => x.toFixed(2)).join(' ')}`)

const root = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '')
const date = new Date().toISOString().slice(0, 10)
mkdirSync(`${root}/bench/results`, { recursive: true })
// A partial run (--only, --conditions, or --tag for experiments) must not overwrite the day's full results.
const tag = arg('tag') ?? (only || arg('conditions') ? 'partial' : undefined)
const out = `${root}/bench/results/browser-${date}${tag ? `-${tag}` : ''}.json`
writeFileSync(
  out,
  JSON.stringify(
    {
      bench: 'browser',
      date: new Date().toISOString(),
      conditions,
      rounds,
      machine: { cores: cpus().length, loadAverageBefore: loadBefore, loadAverageAfter: loadAfter },
      summary,
      goals,
      variants: ab,
      results,
    },
    null,
    2,
  ) + '\n',
)
console.log(`wrote ${out}`)
process.exitCode = results.every((r) => r.ok) ? 0 : 1
