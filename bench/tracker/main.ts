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
// Environment knobs: BENCH_RATE (announces/s, default 400), BENCH_SECONDS (per phase, default 8),
// BENCH_IDLE (idle peers, default 10000), BENCH_TRACKERS (comma list, default both).

import { fork, type ChildProcess } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { fileURLToPath } from 'node:url'

const here = (f: string): string => fileURLToPath(new URL(f, import.meta.url))
const RATE = Number(process.env.BENCH_RATE ?? 400)
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8)
const IDLE = Number(process.env.BENCH_IDLE ?? 10_000)
const KINDS = (process.env.BENCH_TRACKERS ?? 'bittorrent-tracker,swarmdrop').split(',')

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

async function measure(kind: string): Promise<Record<string, unknown>> {
  console.error(`[bench] ${kind}: fixed rate ${RATE}/s, closed loops, ${IDLE} idle peers`)
  const cpu = await withTracker(kind, async (t, g, url) => {
    await gen(g, { cmd: 'connect', url, count: 200 })
    await gen(g, { cmd: 'fixed', rate: RATE, seconds: 2 }) // warm up the JIT of both sides
    const u0 = await t.ask<Usage>({ cmd: 'usage' })
    const r = await gen(g, { cmd: 'fixed', rate: RATE, seconds: SECONDS })
    const u1 = await t.ask<Usage>({ cmd: 'usage' })
    await gen(g, { cmd: 'close' })
    const announces = r.counts.announcesSent ?? 0
    const fixed = {
      offeredRate: RATE,
      announces,
      repliesReceived: r.counts.announceReplies ?? 0,
      offersRelayed: r.counts.offersReceived ?? 0,
      answersRelayed: r.counts.answersReceived ?? 0,
      trackerCpuMsPer1000Announces: Math.round((cpuMs(u0.cpu, u1.cpu) / announces) * 1000 * 10) / 10,
      // Of which in the kernel (on loopback the sender's system time includes delivering the bytes).
      trackerSystemMsPer1000Announces: Math.round(((u1.cpu.system - u0.cpu.system) / 1000 / announces) * 1000 * 10) / 10,
      generatorCpuMsPer1000Announces: Math.round((r.cpuMs / announces) * 1000 * 10) / 10,
    }
    const loop200 = await closedLoop(t, g, url, 200)
    const loop2000 = await closedLoop(t, g, url, 2000)
    return { fixed, loop200, loop2000 }
  })
  const memory = await withTracker(kind, async (t, g, url) => {
    // Warm up (code, JIT, pools) with a small wave first, so the baseline holds the fixed costs.
    await gen(g, { cmd: 'connect', url, count: 500 })
    await gen(g, { cmd: 'close' })
    await sleep(1000)
    const m0 = await t.ask<Usage>({ cmd: 'usage', gc: true })
    const r = await gen(g, { cmd: 'connect', url, count: IDLE })
    await sleep(2000)
    const m1 = await t.ask<Usage>({ cmd: 'usage', gc: true })
    return {
      idlePeers: r.clients,
      rssBytesPerPeer: Math.round((m1.memory.rss - m0.memory.rss) / r.clients),
      heapBytesPerPeer: Math.round((m1.memory.heapUsed - m0.memory.heapUsed) / r.clients),
      baselineRssMB: Math.round(m0.memory.rss / 1e5) / 10,
      loadedRssMB: Math.round(m1.memory.rss / 1e5) / 10,
    }
  })
  return { ...cpu, memory }
}

const results: Record<string, Record<string, unknown>> = {}
for (const kind of KINDS) results[kind] = await measure(kind)

type Row = [string, (r: Record<string, any>) => number, 'lower' | 'higher']
const rows: Row[] = [
  [`tracker CPU ms / 1000 announces @ ${RATE}/s`, r => r.fixed.trackerCpuMsPer1000Announces, 'lower'],
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
console.log(`\n${'metric'.padEnd(46)} ${'bittorrent-tracker'.padStart(18)} ${'swarmdrop'.padStart(12)} ${'ours/theirs'.padStart(12)}`)
const ratios: Record<string, number> = {}
for (const [name, get] of rows) {
  const a = theirs !== undefined ? get(theirs) : NaN
  const b = ours !== undefined ? get(ours) : NaN
  const ratio = Math.round((b / a) * 100) / 100
  ratios[name] = ratio
  console.log(`${name.padEnd(46)} ${String(a).padStart(18)} ${String(b).padStart(12)} ${String(ratio).padStart(12)}`)
}
const date = new Date().toISOString().slice(0, 10)
const out = fileURLToPath(new URL(`../results/tracker-${date}.json`, import.meta.url))
mkdirSync(fileURLToPath(new URL('../results/', import.meta.url)), { recursive: true })
writeFileSync(out, JSON.stringify({
  date: new Date().toISOString(), node: process.version, cores: os.cpus().length,
  // Other work on the box skews the closed-loop figures most; CPU per announce least.
  loadAverageAtEnd: os.loadavg(),
  settings: { rate: RATE, seconds: SECONDS, idle: IDLE, offersPerAnnounce: 5, swarmSize: 20 },
  results, ratios,
}, null, 2) + '\n')
console.log(`\nload average ${os.loadavg().map(n => n.toFixed(1)).join(' ')} on ${os.cpus().length} cores (other work skews closed loops most)`)
console.log(`written to ${out}`)
