// `npm run bench:node`: the Node peer (issue 9's figures), each beside its anchor in the same run:
//   tcp  Node peer -> Node peer over TCP on loopback (1 GiB), beside aria2c -> aria2c on the same file:
//        MB/s and CPU ms per MiB on each side (goal: at least 0.8x aria2c's MB/s);
//   rtc  Node peer -> a Chromium tab over WebRTC (256 MiB), beside tab -> tab (bench/browser's run);
//   rss  resident memory of a Node peer seeding 4 GiB to 4 peers at once (goal: under 150 MB): a process
//        started on the .torrent and resume file a first run made (whose hashing peak is shown apart).
// Every transfer goes through our tracker process (HTTP for TCP peers, WebSocket for WebRTC), which also
// serves the harness page. Rounds alternate which side of a comparison goes first; the table shows
// medians. Data files are kept in /tmp/swarmdrop-bench-node between runs.
//
// Flags: --quick (small sizes, one round: a smoke run), --rounds R (2), --tcp-mib N (1024), --rtc-mib N
// (256), --rss-mib N (4096), --rss-peers N (4), --only tcp,rtc,rss, --tag T.
// The machine is shared and has 2 cores: compare within one run; CPU per MiB is the steadier figure.
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildHarness } from '../../e2e/lib-harness/build.ts'
import { benchPeer, bounded, closePeers } from '../browser/chromium.ts'
import { startOurTracker } from '../../e2e/lib-harness/servers.ts'
import { dataFile, torrentFor } from './data.ts'
import { runSeederRss, type RssResult } from './rss-run.ts'
import { runNodeToTab, runTabToTab, type RtcResult } from './rtc-run.ts'
import { runTcp, type TcpResult } from './tcp-run.ts'

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? process.argv[i + 1] : undefined
}
function num(name: string, full: number, quick: number): number {
  const v = Number(arg(name) ?? (process.argv.includes('--quick') ? quick : full))
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} wants a positive number`)
  return v
}

const quick = process.argv.includes('--quick')
const rounds = num('rounds', 2, 1)
const tcpMib = num('tcp-mib', 1024, 16)
const rtcMib = num('rtc-mib', 256, 8)
const rssMib = num('rss-mib', 4096, 32)
const rssPeers = num('rss-peers', 4, 4)
const only = arg('only')?.split(',') ?? ['tcp', 'rtc', 'rss']
const work = '/tmp/swarmdrop-bench-node'

function median(xs: number[]): number | null {
  if (xs.length === 0) return null
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
}
const fmt = (x: number | null | undefined, d = 1): string => (x === null || x === undefined ? '-' : x.toFixed(d))

console.log(`bench:node ${quick ? '(quick) ' : ''}rounds ${rounds}, load ${loadavg().map((l) => l.toFixed(1)).join(' ')}, ${cpus().length} cores`)
const harness = await buildHarness()
const tracker = await startOurTracker(0, ['--web-root', harness, '--log-level', 'warn'])
const httpAnnounce = `${tracker.httpUrl}announce`
const tcp: TcpResult[] = []
const rtc: RtcResult[] = []
let rss: RssResult | null = null
try {
  if (only.includes('tcp')) {
    const dir = join(work, 'tcp')
    const dataPath = await dataFile(join(dir, 'data'), 'bench.bin', tcpMib)
    const torrentPath = join(dir, 'bench.torrent')
    const { metainfo } = await torrentFor(dataPath, 'bench.bin', [httpAnnounce], torrentPath)
    const setup = { dir, dataDir: join(dir, 'data'), dataName: 'bench.bin', torrentPath, metainfo, mib: tcpMib, announce: httpAnnounce, timeoutMs: 120_000 + tcpMib * 2_000 }
    for (let r = 0; r < rounds; r++) {
      for (const name of r % 2 === 0 ? (['swarmdrop', 'aria2c'] as const) : (['aria2c', 'swarmdrop'] as const)) {
        const res = await runTcp(name, setup)
        tcp.push(res)
        console.log(`  tcp ${name.padEnd(9)} ${res.ok ? `${fmt(res.mbPerS)} MB/s, CPU ms/MiB seeder ${fmt(res.cpuMsPerMiB?.seeder, 2)} leecher ${fmt(res.cpuMsPerMiB?.leecher, 2)}` : `FAILED: ${res.error}`}`)
      }
    }
  }
  if (only.includes('rtc')) {
    const dataPath = await dataFile(join(work, 'rtc'), 'rtc.bin', rtcMib)
    // As bench:browser does: the first Chromium start and harness load of a run can take tens of seconds
    // on a loaded machine; outside every measured run.
    await bounded('warm-up', 120_000, benchPeer(tracker.httpUrl).then((p) => closePeers([p])))
    for (let r = 0; r < rounds; r++) {
      for (const name of r % 2 === 0 ? (['node->tab', 'tab->tab'] as const) : (['tab->tab', 'node->tab'] as const)) {
        const timeoutMs = 120_000 + rtcMib * 4_000
        // Each run on a tracker process of its own, so no run sees another's swarm. (The slow tab -> tab
        // runs once blamed on a reused tracker were the seeder tab failing reads while its copy into
        // OPFS ran: docs/performance.md, "Why tab -> tab was slow in bench:node".)
        const own = await startOurTracker(0, ['--web-root', harness, '--log-level', 'warn'])
        const res = await (name === 'node->tab' ? runNodeToTab({ dataPath, trackerUrl: own.url, mib: rtcMib, timeoutMs }) : runTabToTab(own.httpUrl, rtcMib, timeoutMs)).finally(() => own.close())
        rtc.push(res)
        console.log(`  rtc ${name.padEnd(9)} ${res.ok ? `${fmt(res.mbPerS)} MB/s, CPU ms/MiB seeder ${fmt(res.cpuMsPerMiB?.seeder, 2)} leecher ${fmt(res.cpuMsPerMiB?.leecher, 2)}` : `FAILED: ${res.error}`}`)
      }
    }
  }
  if (only.includes('rss')) {
    const dataPath = await dataFile(join(work, 'rss'), 'rss.bin', rssMib)
    rss = await runSeederRss({ dataPath, torrentOut: join(work, 'rss.torrent'), mib: rssMib, peers: rssPeers, timeoutMs: 120_000 + rssMib * rssPeers * 200 })
    console.log(`  rss ${rss.ok ? `peak ${fmt(rss.peakRssMB)} MB (idle ${fmt(rss.idleRssMB)} MB), ${fmt(rss.mbPerS)} MB/s served; making the torrent peaked at ${fmt(rss.hashingPeakRssMB)} MB` : `FAILED: ${rss.error}`}`)
  }
} finally {
  await tracker.close()
}

// ---- summary ------------------------------------------------------------------------------------
const med = <T extends { ok: boolean }>(rs: T[], name: string, f: (r: T) => number | undefined): number | null =>
  median(rs.filter((r) => r.ok && (r as unknown as { name: string }).name === name).map(f).filter((x): x is number => x !== undefined))
console.log('\n| what | MB/s | CPU ms/MiB seeder | CPU ms/MiB leecher | ratio | goal |')
console.log('|---|---|---|---|---|---|')
if (tcp.length > 0) {
  const ours = med(tcp, 'swarmdrop', (r) => r.mbPerS)
  const theirs = med(tcp, 'aria2c', (r) => r.mbPerS)
  const ratio = ours !== null && theirs ? ours / theirs : null
  for (const n of ['swarmdrop', 'aria2c']) {
    const row = `| TCP ${tcpMib} MiB, ${n === 'swarmdrop' ? 'Node peer -> Node peer' : 'aria2c -> aria2c'} | ${fmt(med(tcp, n, (r) => r.mbPerS))} | ${fmt(med(tcp, n, (r) => r.cpuMsPerMiB?.seeder), 2)} | ${fmt(med(tcp, n, (r) => r.cpuMsPerMiB?.leecher), 2)} |`
    console.log(n === 'swarmdrop' ? `${row} ${fmt(ratio, 2)}x aria2c | >= 0.8x ${ratio === null ? '' : ratio >= 0.8 ? '(met)' : '(not met)'} |` : `${row} | |`)
  }
}
if (rtc.length > 0) {
  const node = med(rtc, 'node->tab', (r) => r.mbPerS)
  const tab = med(rtc, 'tab->tab', (r) => r.mbPerS)
  for (const n of ['node->tab', 'tab->tab']) {
    const ratio = n === 'node->tab' && node !== null && tab ? `${fmt(node / tab, 2)}x tab->tab` : ''
    console.log(`| WebRTC ${rtcMib} MiB, ${n} | ${fmt(med(rtc, n, (r) => r.mbPerS))} | ${fmt(med(rtc, n, (r) => r.cpuMsPerMiB?.seeder), 2)} | ${fmt(med(rtc, n, (r) => r.cpuMsPerMiB?.leecher), 2)} | ${ratio} | |`)
  }
}
if (rss) {
  console.log(`| RSS of a Node peer seeding ${rssMib} MiB to ${rssPeers} peers | ${fmt(rss.mbPerS)} (all peers) | | | peak ${fmt(rss.peakRssMB)} MB | < 150 MB ${rss.peakRssMB === undefined ? '' : rss.peakRssMB < 150 ? '(met)' : '(not met)'} |`)
  console.log(`| RSS of \`cli seed <file>\` while hashing ${rssMib} MiB (made the torrent; not the goal's measure) | | | | peak ${fmt(rss.hashingPeakRssMB)} MB | |`)
}

const date = new Date().toISOString().slice(0, 10)
const tag = arg('tag')
const out = fileURLToPath(new URL(`../results/node-${date}${tag ? `-${tag}` : ''}.json`, import.meta.url))
mkdirSync(fileURLToPath(new URL('../results/', import.meta.url)), { recursive: true })
writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), quick, rounds, loadavg: loadavg(), cpus: cpus().length, tcp, rtc, rss }, null, 2) + '\n')
console.log(`\nwrote ${out}`)
const failed = [...tcp, ...rtc, ...(rss ? [rss] : [])].some((r) => !r.ok)
process.exit(failed ? 1 : 0)
