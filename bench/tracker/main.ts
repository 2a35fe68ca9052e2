// `npm run bench:tracker`: the same load against bittorrent-tracker's server and against ours, one
// after the other (never together: this box has 2 cores), each tracker and each load generator in its
// own process. Both trackers serve WebSocket, HTTP and UDP announces. Prints a table with ratios
// ours/theirs and the goals, and writes bench/results/tracker-<date>.json.
//
// Measures, per tracker:
//  - CPU time of the tracker process per 1000 announces at a fixed offered rate below saturation, per
//    protocol: HTTP and UDP (classic peers in swarms of 20, numwant 50) and WebSocket (5 offers each,
//    every offer answered). The headline figures: on 2 cores the Node load generator saturates
//    before a fast tracker does, so throughput alone would measure the generator;
//  - UDP announces/s in a closed loop (the tracker is one process on one core), with the tracker's and
//    the generator's CPU beside it: when the generator is at 100 %, the tracker was not the limit;
//  - WebSocket closed-loop announces/s, relayed offers/s and answers/s with 200 and 2000 clients;
//  - resident memory per connected idle WebSocket peer with 10,000 of them (each announced once), in a
//    fresh tracker process, after a full GC in both the baseline and the loaded state; and again in the
//    idle steady state ("quiet"), once V8 has given back the new space the burst of connections grew
//    (32 MB committed, 1-3 KB per peer, held by no peer). BENCH_TRACKERS=ws-floor,... adds a bare `ws`
//    server that keeps nothing per socket: the floor of any tracker on `ws`; BENCH_TRACKERS=...,floor
//    adds that server with HTTP and UDP announces answered by fixed replies (tracker-child.ts): the
//    floor of CPU per announce in Node on this machine. Floors print a column each, with their ratio
//    to bittorrent-tracker.
//
// Environment knobs: BENCH_RATE (WebSocket announces/s, default 400), BENCH_CLASSIC_RATE (HTTP and UDP
// announces/s, default 1000), BENCH_SECONDS (per phase, default 6), BENCH_ROUNDS (fixed-rate samples
// per tracker and protocol, median reported, default 3), BENCH_IDLE (idle peers, default 10000),
// BENCH_UDP_INFLIGHT (outstanding UDP announces per generator socket, 16 sockets, default 8),
// BENCH_PROTOCOLS (default ws,http,udp), BENCH_TRACKERS (default bittorrent-tracker,swarmdrop), and
// BENCH_BEFORE=<dir>: also run ours from another checkout (a git worktree of an older commit with
// node_modules linked) as "swarmdrop-before", for before/after figures in one run. BENCH_TAG=<t>
// writes bench/results/tracker-<date>-<t>.json instead (smoke runs, experiments).

import { mkdirSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { fileURLToPath } from 'node:url'
import { Child, cpuMs, median, sleep, withTracker, type Endpoints, type GenResult, type Usage } from './processes.ts'

// `--scale`: several tracker processes on one Redis against one process (scale.ts), instead of the
// comparison below; `--model [results.json]`: what many peers on many nodes would cost (scale-model.ts).
if (process.argv.includes('--scale')) {
  await (await import('./scale.ts')).runScale()
  process.exit(0)
}
if (process.argv.includes('--model')) {
  const file = process.argv[process.argv.indexOf('--model') + 1]
  ;(await import('./scale-model.ts')).runModel(file?.endsWith('.json') === true ? file : undefined)
  process.exit(0)
}

const RATE = Number(process.env.BENCH_RATE ?? 400)
const CLASSIC_RATE = Number(process.env.BENCH_CLASSIC_RATE ?? 1000)
const SECONDS = Number(process.env.BENCH_SECONDS ?? 6)
const IDLE = Number(process.env.BENCH_IDLE ?? 10_000)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const INFLIGHT = Number(process.env.BENCH_UDP_INFLIGHT ?? 8)
const PROTOCOLS = (process.env.BENCH_PROTOCOLS ?? 'ws,http,udp').split(',') as Proto[]
const BEFORE = process.env.BENCH_BEFORE ?? ''
const KINDS = (process.env.BENCH_TRACKERS ?? `bittorrent-tracker,swarmdrop${BEFORE !== '' ? ',swarmdrop-before' : ''}`).split(',')
const CLASSIC_PEERS = 200

type Proto = 'ws' | 'http' | 'udp'

interface Fixed {
  offeredRate: number; announces: number; replies: number
  trackerCpuMsPer1000Announces: number; trackerSystemMsPer1000Announces: number; generatorCpuMsPer1000Announces: number
}

/** One fixed-rate sample of `proto` in a fresh tracker process: join, warm up, then measure. */
async function fixedRate(kind: string, proto: Proto): Promise<Fixed> {
  const rate = proto === 'ws' ? RATE : CLASSIC_RATE
  return withTracker(kind, proto === 'ws' ? 'loadgen.ts' : 'loadgen-classic.ts', async (t, g, at) => {
    if (proto === 'ws') {
      await g.gen({ cmd: 'connect', url: at.ws, count: 200 })
      await g.gen({ cmd: 'fixed', rate, seconds: 2 }) // warm up the JIT of both sides
    } else {
      await g.gen({ cmd: 'setup', http: at.http, udpHost: at.udpHost, udpPort: at.udpPort, peers: CLASSIC_PEERS })
      await g.gen({ cmd: 'fixed', proto, rate, seconds: 2 })
    }
    const u0 = await t.usage()
    const r = await g.gen(proto === 'ws' ? { cmd: 'fixed', rate, seconds: SECONDS } : { cmd: 'fixed', proto, rate, seconds: SECONDS })
    const u1 = await t.usage()
    const announces = r.counts.announcesSent ?? 0
    const per1000 = (ms: number): number => Math.round((ms / announces) * 1000 * 10) / 10
    return {
      offeredRate: rate,
      announces,
      replies: (proto === 'ws' ? r.counts.announceReplies : r.counts.replies) ?? 0,
      trackerCpuMsPer1000Announces: per1000(cpuMs(u0.cpu, u1.cpu)),
      // Of which in the kernel (on loopback the sender's system time includes delivering the bytes).
      trackerSystemMsPer1000Announces: per1000((u1.cpu.system - u0.cpu.system) / 1000),
      generatorCpuMsPer1000Announces: per1000(r.cpuMs),
    }
  })
}

interface Loop { announcesPerSec: number; trackerCpuPct: number; generatorCpuPct: number; failures: number; offersPerSec?: number; answersPerSec?: number }

function loop(r: GenResult, u0: Usage, u1: Usage, replies: number): Loop {
  const s = r.wallMs / 1000
  return {
    announcesPerSec: Math.round(replies / s),
    trackerCpuPct: Math.round((cpuMs(u0.cpu, u1.cpu) / r.wallMs) * 100),
    generatorCpuPct: Math.round((r.cpuMs / r.wallMs) * 100),
    failures: r.counts.failures ?? 0,
  }
}

async function wsClosedLoop(t: Child, g: Child, at: Endpoints, clients: number): Promise<Loop> {
  await g.gen({ cmd: 'connect', url: at.ws, count: clients })
  const u0 = await t.usage()
  const r = await g.gen({ cmd: 'closed', seconds: SECONDS })
  const u1 = await t.usage()
  await g.gen({ cmd: 'close' })
  const s = r.wallMs / 1000
  return {
    ...loop(r, u0, u1, r.counts.announceReplies ?? 0),
    offersPerSec: Math.round((r.counts.offersReceived ?? 0) / s),
    answersPerSec: Math.round((r.counts.answersReceived ?? 0) / s),
  }
}

async function udpClosedLoop(kind: string): Promise<Loop> {
  return withTracker(kind, 'loadgen-classic.ts', async (t, g, at) => {
    await g.gen({ cmd: 'setup', http: at.http, udpHost: at.udpHost, udpPort: at.udpPort, peers: CLASSIC_PEERS })
    await g.gen({ cmd: 'closed', proto: 'udp', inflight: INFLIGHT, seconds: 2 })
    const u0 = await t.usage()
    const r = await g.gen({ cmd: 'closed', proto: 'udp', inflight: INFLIGHT, seconds: SECONDS })
    const u1 = await t.usage()
    return loop(r, u0, u1, r.counts.replies ?? 0)
  })
}

/** Memory after a full GC, the lowest RSS of three readings a second apart (RSS lags frees). */
async function settled(t: Child): Promise<Usage> {
  let best: Usage | null = null
  for (let i = 0; i < 3; i++) {
    const u = await t.usage(true)
    if (best === null || u.memory.rss < best.memory.rss) best = u
    if (i < 2) await sleep(1000)
  }
  return best as Usage
}

/**
 * `settled`, once V8 has given back the new space the connections' burst grew (to its limit, 32 MB
 * committed here: 1-3 KB per peer at 10,000, resident, held by no peer). Its memory reducer does that
 * after some seconds of quiet; wait for it (up to `maxSeconds`) without forcing collections.
 */
async function quiet(t: Child, maxSeconds: number): Promise<Usage> {
  for (let i = 0; i < maxSeconds; i++) {
    const u = await t.usage()
    if ((u.spaces.new_space ?? 0) <= IDLE_NEW_SPACE) break
    await sleep(1000)
  }
  return settled(t)
}
const IDLE_NEW_SPACE = 8 * 1024 * 1024

async function idleMemory(kind: string): Promise<Record<string, number>> {
  return withTracker(kind, 'loadgen.ts', async (t, g, at) => {
    // Warm up (code, JIT, pools) with a small wave first, so the baseline holds the fixed costs.
    await g.gen({ cmd: 'connect', url: at.ws, count: 500 })
    await g.gen({ cmd: 'close' })
    await sleep(1000)
    const m0 = await settled(t)
    const q0 = await quiet(t, 40)
    const r = await g.gen({ cmd: 'connect', url: at.ws, count: IDLE })
    await sleep(2000)
    const m1 = await settled(t)
    const q1 = await quiet(t, 40)
    const per = (a: number, b: number): number => Math.round((b - a) / r.clients)
    const mb = (n: number | undefined): number => Math.round((n ?? 0) / 1e5) / 10
    return {
      idlePeers: r.clients,
      // Right after the connections (the burst's grown new space included, as since session 1) ...
      rssBytesPerPeer: per(m0.memory.rss, m1.memory.rss),
      heapBytesPerPeer: per(m0.memory.heapUsed, m1.memory.heapUsed),
      baselineRssMB: mb(m0.memory.rss),
      loadedRssMB: mb(m1.memory.rss),
      newSpaceLoadedMB: mb(m1.spaces.new_space),
      // ... and in the idle steady state, both readings taken once V8 gave the new space back, less
      // what the new space still holds committed (1-8 MB, not the same in both readings: 700 B a peer).
      quietRssBytesPerPeer: per(q0.memory.rss - (q0.spaces.new_space ?? 0), q1.memory.rss - (q1.spaces.new_space ?? 0)),
      quietHeapBytesPerPeer: per(q0.memory.heapUsed, q1.memory.heapUsed),
      quietNewSpaceMB: mb(q1.spaces.new_space),
      quietBaselineNewSpaceMB: mb(q0.spaces.new_space),
    }
  })
}

// The fixed-rate figures are noisy on a shared 2-core box: ROUNDS samples, alternating trackers so
// that drifting background load hits them alike, medians reported.
const samples: Record<string, Record<string, Fixed[]>> = Object.fromEntries(KINDS.map(k => [k, Object.fromEntries(PROTOCOLS.map(p => [p, []]))]))
for (let round = 1; round <= ROUNDS; round++) {
  for (const proto of PROTOCOLS) {
    for (const kind of KINDS) {
      console.error(`[bench] round ${round}/${ROUNDS} ${kind}: ${proto} at ${proto === 'ws' ? RATE : CLASSIC_RATE} announces/s`)
      samples[kind]?.[proto]?.push(await fixedRate(kind, proto))
    }
  }
}

const results: Record<string, Record<string, unknown>> = {}
for (const kind of KINDS) {
  const fixed: Record<string, unknown> = {}
  for (const proto of PROTOCOLS) {
    const s = samples[kind]?.[proto] ?? []
    const pick = (f: (x: Fixed) => number): number => median(s.map(f))
    fixed[proto] = {
      offeredRate: proto === 'ws' ? RATE : CLASSIC_RATE,
      trackerCpuMsPer1000Announces: pick(x => x.trackerCpuMsPer1000Announces),
      trackerSystemMsPer1000Announces: pick(x => x.trackerSystemMsPer1000Announces),
      generatorCpuMsPer1000Announces: pick(x => x.generatorCpuMsPer1000Announces),
      samples: s,
    }
  }
  const out: Record<string, unknown> = { fixed }
  if (PROTOCOLS.includes('udp')) {
    console.error(`[bench] ${kind}: UDP closed loop, ${INFLIGHT} in flight on each of 16 sockets`)
    out.udpLoop = await udpClosedLoop(kind)
  }
  if (PROTOCOLS.includes('ws')) {
    console.error(`[bench] ${kind}: WebSocket closed loops (200, 2000 clients), ${IDLE} idle peers`)
    Object.assign(out, await withTracker(kind, 'loadgen.ts', async (t, g, at) => ({
      loop200: await wsClosedLoop(t, g, at, 200),
      loop2000: await wsClosedLoop(t, g, at, 2000),
    })))
    out.memory = await idleMemory(kind)
  }
  results[kind] = out
}

type Row = [string, (r: Record<string, any>) => number, string]
const rows: Row[] = []
const cpuGoal: Record<Proto, string> = { http: '<= 0.33', udp: '<= 0.33', ws: '<= 0.5' }
for (const proto of PROTOCOLS) {
  const rate = proto === 'ws' ? `${RATE}/s, 5 offers` : `${CLASSIC_RATE}/s`
  rows.push([`${proto}: tracker CPU ms / 1000 announces @ ${rate}`, r => r.fixed[proto].trackerCpuMsPer1000Announces, cpuGoal[proto]])
  rows.push([`${proto}:   of which system (kernel) ms`, r => r.fixed[proto].trackerSystemMsPer1000Announces, ''])
  rows.push([`${proto}:   generator CPU ms / 1000 announces`, r => r.fixed[proto].generatorCpuMsPer1000Announces, ''])
}
if (PROTOCOLS.includes('udp')) {
  rows.push(['udp closed loop: announces/s', r => r.udpLoop.announcesPerSec, ''])
  rows.push(['udp closed loop: tracker CPU %', r => r.udpLoop.trackerCpuPct, ''])
  rows.push(['udp closed loop: generator CPU %', r => r.udpLoop.generatorCpuPct, ''])
}
if (PROTOCOLS.includes('ws')) {
  for (const n of [200, 2000]) {
    rows.push([`ws closed loop ${n}: announces/s`, r => r[`loop${n}`].announcesPerSec, ''])
    rows.push([`ws closed loop ${n}: offers relayed/s`, r => r[`loop${n}`].offersPerSec, ''])
    rows.push([`ws closed loop ${n}: answers relayed/s`, r => r[`loop${n}`].answersPerSec, ''])
    rows.push([`ws closed loop ${n}: tracker CPU %`, r => r[`loop${n}`].trackerCpuPct, ''])
    rows.push([`ws closed loop ${n}: generator CPU %`, r => r[`loop${n}`].generatorCpuPct, ''])
  }
  rows.push([`ws: RSS bytes / idle peer (${IDLE})`, r => r.memory.rssBytesPerPeer, '<= 0.6'])
  rows.push([`ws: heap bytes / idle peer (${IDLE})`, r => r.memory.heapBytesPerPeer, ''])
  rows.push([`ws: RSS bytes / idle peer, quiet (${IDLE})`, r => r.memory.quietRssBytesPerPeer, '<= 0.6'])
  rows.push([`ws: heap bytes / idle peer, quiet (${IDLE})`, r => r.memory.quietHeapBytesPerPeer, ''])
}

const theirs = results['bittorrent-tracker']
const ours = results.swarmdrop
const before = results['swarmdrop-before']
const ratio = (a: number, b: number): number => Math.round((b / a) * 100) / 100
const col = (s: string | number, w: number): string => (typeof s === 'number' && Number.isNaN(s) ? '-' : String(s)).padStart(w)
// Floors (ws-floor, floor) get a column each and their ratio to bittorrent-tracker: the least any tracker
// on the same stack could reach, beside the goal.
const floors = KINDS.filter(k => k.endsWith('floor') && results[k] !== undefined)
const floorHead = floors.map(k => ` ${col(k, 10)} ${col(`${k}/theirs`, 16)}`).join('')
console.log(`\n${'metric'.padEnd(52)} ${col('bittorrent-tracker', 18)} ${col('swarmdrop', 10)} ${col('ours/theirs', 11)} ${col('goal', 8)}${before !== undefined ? ` ${col('before', 8)} ${col('now/before', 10)}` : ''}${floorHead}`)
const ratios: Record<string, number> = {}
for (const [name, get, goal] of rows) {
  const a = theirs !== undefined ? get(theirs) : NaN
  const b = ours !== undefined ? get(ours) : NaN
  ratios[name] = ratio(a, b)
  const extra = before !== undefined ? ` ${col(get(before), 8)} ${col(ratio(get(before), b), 10)}` : ''
  const floorCols = floors.map(k => {
    let f = NaN
    try {
      f = get(results[k]!)
    } catch {
      // a floor without this protocol (ws-floor has no HTTP or UDP)
    }
    return ` ${col(f, 10)} ${col(ratio(a, f), 16)}`
  }).join('')
  console.log(`${name.padEnd(52)} ${col(a, 18)} ${col(b, 10)} ${col(ratio(a, b), 11)} ${col(goal, 8)}${extra}${floorCols}`)
}
const date = new Date().toISOString().slice(0, 10)
const tag = process.env.BENCH_TAG ?? ''
const out = fileURLToPath(new URL(`../results/tracker-${date}${tag !== '' ? `-${tag}` : ''}.json`, import.meta.url))
mkdirSync(fileURLToPath(new URL('../results/', import.meta.url)), { recursive: true })
writeFileSync(out, JSON.stringify({
  date: new Date().toISOString(), node: process.version, cores: os.cpus().length,
  // Other work on the box skews the closed loops most; CPU per announce least.
  loadAverageAtEnd: os.loadavg(),
  settings: {
    rate: RATE, classicRate: CLASSIC_RATE, seconds: SECONDS, rounds: ROUNDS, idle: IDLE, udpInflight: INFLIGHT, protocols: PROTOCOLS,
    offersPerAnnounce: 5, swarmSize: 20, classicPeers: CLASSIC_PEERS, numwant: 50, before: BEFORE || undefined,
  },
  results, ratios,
}, null, 2) + '\n')
console.log(`\nload average ${os.loadavg().map(n => n.toFixed(1)).join(' ')} on ${os.cpus().length} cores (other work skews closed loops most)`)
console.log(`written to ${out}`)
