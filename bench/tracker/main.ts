// `npm run bench:tracker`: the same load against bittorrent-tracker's server and against ours, one
// after the other (never together: this box has 2 cores), each tracker and the load generator in
// their own processes. Prints a table with ratios ours/theirs and writes bench/results/tracker-<date>.json.
//
// Measures, per tracker:
//  - CPU time of the tracker process per 1000 announces (5 offers each, every offer answered) at a
//    fixed offered rate below saturation: the headline figure, since on 2 cores the Node load
//    generator saturates before a fast tracker does;
//  - closed-loop announces/s, relayed offers/s and answers/s with 200 and 2000 clients, beside the
//    generator's own CPU;
//  - resident memory per connected peer with 10,000 idle peers (each announced once), in a fresh
//    tracker process, after a full GC in both the baseline and the loaded state.
//
// Environment knobs: BENCH_RATE (announces/s, default 400), BENCH_SECONDS (per phase, default 6),
// BENCH_ROUNDS (fixed-rate samples per tracker, median reported, default 3),
// BENCH_IDLE (idle peers, default 10000), BENCH_TRACKERS (comma list, default both).

import { fork, type ChildProcess } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { fileURLToPath } from 'node:url'

const here = (f: string): string => fileURLToPath(new URL(f, import.meta.url))
const RATE = Number(process.env.BENCH_RATE ?? 400)
const SECONDS = Number(process.env.BENCH_SECONDS ?? 6)
const IDLE = Number(process.env.BENCH_IDLE ?? 10_000)
const KINDS = (process.env.BENCH_TRACKERS ?? 'bittorrent-tracker,swarmdrop').split(',')
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)

interface Usage { cpu: NodeJS.CpuUsage; memory: NodeJS.MemoryUsage }
interface GenResult { ok: boolean; error?: string; counts: Record<string, number>; cpuMs: number; wallMs: number; clients: number }

class Child {
  private constructor(readonly proc: ChildProcess) {}
  static async start(script: string, args: string[]): Promise<{ child: Child; hello: Record<string, unknown> }> {
    const proc = fork(here(script), args, { execArgv: ['--expose-gc', '--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    const hello = await new Promise<Record<string, unknown>>((resolve, reject) => {
      proc.once('message', m => resolve(m as Record<string, unknown>))
      proc.once('exit', code => reject(new Error(`${script} exited with ${code}`)))
    })
    return { child: new Child(proc), hello }
  }
  ask<T>(msg: object): Promise<T> {
    return new Promise(resolve => {
      this.proc.once('message', m => resolve(m as T))
      this.proc.send(msg)
    })
  }
  stop(): Promise<void> {
    return new Promise(resolve => {
      if (this.proc.exitCode !== null) return resolve()
      this.proc.once('exit', () => resolve())
      this.proc.kill('SIGTERM')
    })
  }
}

const cpuMs = (a: NodeJS.CpuUsage, b: NodeJS.CpuUsage): number => (b.user - a.user + b.system - a.system) / 1000
const sleep = (ms: number): Promise<void> => new Promise(r => setTimeout(r, ms))

async function gen(g: Child, msg: object): Promise<GenResult> {
  const r = await g.ask<GenResult>(msg)
  if (!r.ok) throw new Error(`load generator: ${r.error}`)
  return r
}

async function withTracker<T>(kind: string, body: (t: Child, g: Child, url: string) => Promise<T>): Promise<T> {
  const { child: t, hello } = await Child.start('tracker-child.ts', [kind])
  const { child: g } = await Child.start('loadgen.ts', [])
  try {
    return await body(t, g, `ws://127.0.0.1:${String(hello.port)}/announce`)
  } finally {
    await g.stop()
    await t.stop()
  }
}

interface ClosedLoop { clients: number; announcesPerSec: number; offersPerSec: number; answersPerSec: number; trackerCpuPct: number; generatorCpuPct: number; failures: number }

async function closedLoop(t: Child, g: Child, url: string, clients: number): Promise<ClosedLoop> {
  await gen(g, { cmd: 'connect', url, count: clients })
  const u0 = await t.ask<Usage>({ cmd: 'usage' })
  const r = await gen(g, { cmd: 'closed', seconds: SECONDS })
  const u1 = await t.ask<Usage>({ cmd: 'usage' })
  await gen(g, { cmd: 'close' })
  const s = r.wallMs / 1000
  return {
    clients,
    announcesPerSec: Math.round((r.counts.announceReplies ?? 0) / s),
    offersPerSec: Math.round((r.counts.offersReceived ?? 0) / s),
    answersPerSec: Math.round((r.counts.answersReceived ?? 0) / s),
    trackerCpuPct: Math.round((cpuMs(u0.cpu, u1.cpu) / r.wallMs) * 100),
    generatorCpuPct: Math.round((r.cpuMs / r.wallMs) * 100),
    failures: r.counts.failures ?? 0,
  }
}

interface Fixed {
  offeredRate: number; announces: number; repliesReceived: number; offersRelayed: number; answersRelayed: number
  trackerCpuMsPer1000Announces: number; trackerSystemMsPer1000Announces: number; generatorCpuMsPer1000Announces: number
}

/** One fixed-rate sample in a fresh tracker process: 200 clients, warm-up, then RATE announces/s for SECONDS. */
async function fixedRate(kind: string): Promise<Fixed> {
  return withTracker(kind, async (t, g, url) => {
    await gen(g, { cmd: 'connect', url, count: 200 })
    await gen(g, { cmd: 'fixed', rate: RATE, seconds: 2 }) // warm up the JIT of both sides
    const u0 = await t.ask<Usage>({ cmd: 'usage' })
    const r = await gen(g, { cmd: 'fixed', rate: RATE, seconds: SECONDS })
    const u1 = await t.ask<Usage>({ cmd: 'usage' })
    const announces = r.counts.announcesSent ?? 0
    const per1000 = (ms: number): number => Math.round((ms / announces) * 1000 * 10) / 10
    return {
      offeredRate: RATE,
      announces,
      repliesReceived: r.counts.announceReplies ?? 0,
      offersRelayed: r.counts.offersReceived ?? 0,
      answersRelayed: r.counts.answersReceived ?? 0,
      trackerCpuMsPer1000Announces: per1000(cpuMs(u0.cpu, u1.cpu)),
      // Of which in the kernel (on loopback the sender's system time includes delivering the bytes).
      trackerSystemMsPer1000Announces: per1000((u1.cpu.system - u0.cpu.system) / 1000),
      generatorCpuMsPer1000Announces: per1000(r.cpuMs),
    }
  })
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 === 1 ? (s[(s.length - 1) / 2] as number) : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2
}

/** Memory after a full GC, the lowest RSS of three readings a second apart (RSS lags frees). */
async function settled(t: Child): Promise<Usage> {
  let best: Usage | null = null
  for (let i = 0; i < 3; i++) {
    const u = await t.ask<Usage>({ cmd: 'usage', gc: true })
    if (best === null || u.memory.rss < best.memory.rss) best = u
    if (i < 2) await sleep(1000)
  }
  return best as Usage
}

async function loopsAndMemory(kind: string): Promise<Record<string, unknown>> {
  console.error(`[bench] ${kind}: closed loops (200, 2000 clients), ${IDLE} idle peers`)
  const loops = await withTracker(kind, async (t, g, url) => ({
    loop200: await closedLoop(t, g, url, 200),
    loop2000: await closedLoop(t, g, url, 2000),
  }))
  const memory = await withTracker(kind, async (t, g, url) => {
    // Warm up (code, JIT, pools) with a small wave first, so the baseline holds the fixed costs.
    await gen(g, { cmd: 'connect', url, count: 500 })
    await gen(g, { cmd: 'close' })
    await sleep(1000)
    const m0 = await settled(t)
    const r = await gen(g, { cmd: 'connect', url, count: IDLE })
    await sleep(2000)
    const m1 = await settled(t)
    return {
      idlePeers: r.clients,
      rssBytesPerPeer: Math.round((m1.memory.rss - m0.memory.rss) / r.clients),
      heapBytesPerPeer: Math.round((m1.memory.heapUsed - m0.memory.heapUsed) / r.clients),
      baselineRssMB: Math.round(m0.memory.rss / 1e5) / 10,
      loadedRssMB: Math.round(m1.memory.rss / 1e5) / 10,
    }
  })
  return { ...loops, memory }
}

// The headline figure is noisy on a shared 2-core box: take ROUNDS samples, alternating trackers so
// that drifting background load hits both alike, and report the median.
const fixedSamples: Record<string, Fixed[]> = Object.fromEntries(KINDS.map(k => [k, []]))
for (let round = 1; round <= ROUNDS; round++) {
  for (const kind of KINDS) {
    console.error(`[bench] round ${round}/${ROUNDS} ${kind}: fixed rate ${RATE} announces/s`)
    fixedSamples[kind]?.push(await fixedRate(kind))
  }
}
const results: Record<string, Record<string, unknown>> = {}
for (const kind of KINDS) {
  const samples = fixedSamples[kind] ?? []
  const pick = (f: (x: Fixed) => number): number => median(samples.map(f))
  results[kind] = {
    fixed: {
      offeredRate: RATE,
      trackerCpuMsPer1000Announces: pick(x => x.trackerCpuMsPer1000Announces),
      trackerSystemMsPer1000Announces: pick(x => x.trackerSystemMsPer1000Announces),
      generatorCpuMsPer1000Announces: pick(x => x.generatorCpuMsPer1000Announces),
      samples,
    },
    ...(await loopsAndMemory(kind)),
  }
}

type Row = [string, (r: Record<string, any>) => number, 'lower' | 'higher']
const rows: Row[] = [
  [`tracker CPU ms / 1000 announces @ ${RATE}/s (median of ${ROUNDS})`, r => r.fixed.trackerCpuMsPer1000Announces, 'lower'],
  ['  of which system (kernel) ms', r => r.fixed.trackerSystemMsPer1000Announces, 'lower'],
  ['generator CPU ms / 1000 announces', r => r.fixed.generatorCpuMsPer1000Announces, 'lower'],
  ['closed loop 200: announces/s', r => r.loop200.announcesPerSec, 'higher'],
  ['closed loop 200: offers relayed/s', r => r.loop200.offersPerSec, 'higher'],
  ['closed loop 200: answers relayed/s', r => r.loop200.answersPerSec, 'higher'],
  ['closed loop 200: tracker CPU %', r => r.loop200.trackerCpuPct, 'lower'],
  ['closed loop 200: generator CPU %', r => r.loop200.generatorCpuPct, 'lower'],
  ['closed loop 2000: announces/s', r => r.loop2000.announcesPerSec, 'higher'],
  ['closed loop 2000: offers relayed/s', r => r.loop2000.offersPerSec, 'higher'],
  ['closed loop 2000: answers relayed/s', r => r.loop2000.answersPerSec, 'higher'],
  ['closed loop 2000: tracker CPU %', r => r.loop2000.trackerCpuPct, 'lower'],
  ['closed loop 2000: generator CPU %', r => r.loop2000.generatorCpuPct, 'lower'],
  [`RSS bytes / idle peer (${IDLE})`, r => r.memory.rssBytesPerPeer, 'lower'],
  [`heap bytes / idle peer (${IDLE})`, r => r.memory.heapBytesPerPeer, 'lower'],
]
const theirs = results['bittorrent-tracker']
const ours = results.swarmdrop
console.log(`\n${'metric'.padEnd(56)} ${'bittorrent-tracker'.padStart(18)} ${'swarmdrop'.padStart(12)} ${'ours/theirs'.padStart(12)}`)
const ratios: Record<string, number> = {}
for (const [name, get] of rows) {
  const a = theirs !== undefined ? get(theirs) : NaN
  const b = ours !== undefined ? get(ours) : NaN
  const ratio = Math.round((b / a) * 100) / 100
  ratios[name] = ratio
  console.log(`${name.padEnd(56)} ${String(a).padStart(18)} ${String(b).padStart(12)} ${String(ratio).padStart(12)}`)
}
const date = new Date().toISOString().slice(0, 10)
const out = fileURLToPath(new URL(`../results/tracker-${date}.json`, import.meta.url))
mkdirSync(fileURLToPath(new URL('../results/', import.meta.url)), { recursive: true })
writeFileSync(out, JSON.stringify({
  date: new Date().toISOString(), node: process.version, cores: os.cpus().length,
  // Other work on the box skews the closed-loop figures most; CPU per announce least.
  loadAverageAtEnd: os.loadavg(),
  settings: { rate: RATE, seconds: SECONDS, rounds: ROUNDS, idle: IDLE, offersPerAnnounce: 5, swarmSize: 20 },
  results, ratios,
}, null, 2) + '\n')
console.log(`\nload average ${os.loadavg().map(n => n.toFixed(1)).join(' ')} on ${os.cpus().length} cores (other work skews closed loops most)`)
console.log(`written to ${out}`)
