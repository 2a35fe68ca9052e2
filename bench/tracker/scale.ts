// `npm run bench:tracker -- --scale`: the tracker on several processes sharing swarms through Redis
// (issue 13), against one process without Redis, in the same run. Every tracker is the operator's
// command (tracker/main.ts, --workers N --redis URL), started fresh for each measurement, on a
// redis-server of its own (Debian's) started by the bench; the load generators are main.ts's
// (loadgen.ts: WebSocket clients announcing with 5 offers and answering every offer they get, in
// swarms of 20; loadgen-classic.ts: UDP announces from 16 sockets).
//
// Measures, per configuration (one process without Redis; 1, 2, 4 workers on one Redis):
//  - WebSocket closed loop (every client keeps one announce in flight): announces/s and offers
//    relayed/s; with workers, a swarm's peers sit on different workers, so most offers and answers
//    cross processes through Redis pub/sub, as they would across machines;
//  - UDP closed loop: announces/s;
//  - beside each: the CPU of the tracker's processes (primary and workers, from /proc), of
//    redis-server (from /proc: the Redis round trips' cost on the server side, shown apart) and of the
//    generator, as % of one core and as ms per 1000 announces; and Redis round trips per announce
//    (script calls and publishes, from INFO commandstats);
//  - memory per idle WebSocket peer on a node (RSS and heap after a full GC, one tracker process with
//    and without Redis) and in Redis (INFO memory used_memory), BENCH_IDLE peers announced once.
// The machine's core count is printed: N workers cannot beat the cores they share with Redis and the
// generator. When the generator's CPU is near 100 % it, not the tracker, was the limit.
//
// Knobs (environment): BENCH_SCALE_WORKERS (default 1,2,4), BENCH_SCALE_CLIENTS (WebSocket clients,
// default 2000), BENCH_SECONDS (per closed loop, default 6), BENCH_ROUNDS (rounds over every
// configuration in turn, medians reported, default 2), BENCH_IDLE (default 10000), BENCH_UDP_INFLIGHT
// (per socket, default 8), BENCH_TAG (results file name suffix).

import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { fileURLToPath } from 'node:url'
import { Redis } from 'ioredis'
import { freePort, freeUdpPort } from '../../e2e/support/app-server.ts'
import { RedisServer } from '../../tracker/test-support/redis-server.ts'
import { Child, median, sleep } from './processes.ts'
import { treeCpuMs, treeRssBytes } from './proc-tree.ts'

const WORKERS = (process.env.BENCH_SCALE_WORKERS ?? '1,2,4').split(',').map(Number)
const CLIENTS = Number(process.env.BENCH_SCALE_CLIENTS ?? 2000)
const SECONDS = Number(process.env.BENCH_SECONDS ?? 6)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2)
const IDLE = Number(process.env.BENCH_IDLE ?? 10_000)
const INFLIGHT = Number(process.env.BENCH_UDP_INFLIGHT ?? 8)
const CLASSIC_PEERS = 200
const MAIN = fileURLToPath(new URL('../../tracker/main.ts', import.meta.url))
const ROOT = fileURLToPath(new URL('../..', import.meta.url))
// The generator is one address sending far faster than any client: lift the per-socket and
// per-address rate limits and the per-address connection cap (every other limit stays on).
const LIFTED = ['--rate', '1000000', '--burst', '1000000', '--max-connections-per-ip', '0', '--ip-rate', '1000000000', '--ip-burst', '1000000000']

/** 0 workers = one process without Redis (the in-memory table, as `npm start`). */
interface Setup { name: string; workers: number }
const SETUPS: Setup[] = [{ name: '1 process, no Redis', workers: 0 }, ...WORKERS.map(n => ({ name: `${n} worker${n > 1 ? 's' : ''} + Redis`, workers: n }))]

interface Sample {
  announcesPerSec: number; offersPerSec?: number
  trackerCpuPct: number; redisCpuPct: number; generatorCpuPct: number
  trackerCpuMsPer1000: number; redisCpuMsPer1000: number; redisTripsPerAnnounce: number
  failures: number; trackerProcesses: number
  /** Requests a worker served from its own table (Redis calls that failed or timed out, or too many in flight), whole run. */
  servedLocally: number
}

/** The operator's command on free ports; resolves once it prints its listening line. */
async function startTracker(setup: Setup, redisUrl: string, prefix: string): Promise<{ proc: ChildProcess; port: number; udpPort: number }> {
  const port = await freePort()
  const udpPort = await freeUdpPort()
  const shared = setup.workers === 0 ? [] : ['--redis', redisUrl, '--redis-prefix', prefix, '--workers', String(setup.workers)]
  const proc = spawn(process.execPath, ['--import', 'tsx', MAIN, '--port', String(port), '--udp-port', String(udpPort), '--host', '127.0.0.1',
    '--web-root', '/nonexistent', '--log-level', 'warn', '--ice-servers-json', '[]', ...LIFTED, ...shared], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  const collect = (b: Buffer): void => { out = (out + b.toString()).slice(-8000) }
  proc.stdout?.on('data', collect)
  proc.stderr?.on('data', collect)
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`tracker not listening within 60 s:\n${out}`)), 60_000)
    proc.stdout?.on('data', () => { if (out.includes('swarmdrop listening on')) { clearTimeout(t); resolve() } })
    proc.once('exit', code => { clearTimeout(t); reject(new Error(`tracker exited with ${code}:\n${out}`)) })
  })
  return { proc, port, udpPort }
}

function stopProcess(proc: ChildProcess): Promise<void> {
  return new Promise(resolve => {
    if (proc.exitCode !== null || proc.signalCode !== null) return resolve()
    proc.once('exit', () => resolve())
    proc.kill('SIGTERM')
    setTimeout(() => proc.kill('SIGKILL'), 8000).unref()
  })
}

/**
 * Redis calls that failed (timed out: the request was served from the worker's own table) and requests
 * served locally past --max-redis-in-flight, summed over the workers: /stats over fresh connections
 * until every worker has answered (the cluster module hands each connection to a worker in turn).
 */
async function servedLocally(port: number, workers: number): Promise<number> {
  if (workers === 0) return 0
  const seen = new Map<string, number>()
  for (let i = 0; i < workers * 8 && seen.size < workers; i++) {
    const s = (await (await fetch(`http://127.0.0.1:${port}/stats`, { headers: { connection: 'close' }, signal: AbortSignal.timeout(10_000) })).json()) as {
      node: { id: string }; redis: { failures: number; overflows: number }
    }
    seen.set(s.node.id, s.redis.failures + s.redis.overflows)
  }
  return [...seen.values()].reduce((a, b) => a + b, 0)
}

/** Script calls and publishes Redis has served (each one round trip of a tracker's). */
async function redisTrips(r: Redis): Promise<number> {
  const info = await r.info('commandstats')
  let n = 0
  for (const m of info.matchAll(/^cmdstat_(evalsha|eval|publish):calls=(\d+)/gm)) n += Number(m[2])
  return n
}

/** One closed loop of `run` against `pid`'s process tree, with redis-server's and the generator's CPU beside it. */
async function measure(setup: Setup, port: number, trackerPid: number, redis: RedisServer, admin: Redis, run: () => Promise<{ announces: number; offers?: number; failures: number; cpuMs: number; wallMs: number }>): Promise<Sample> {
  const t0 = treeCpuMs(trackerPid)
  const r0 = treeCpuMs(redis.pid as number)
  const trips0 = await redisTrips(admin)
  const g = await run()
  const t1 = treeCpuMs(trackerPid)
  const r1 = treeCpuMs(redis.pid as number)
  const trips = (await redisTrips(admin)) - trips0
  const pct = (ms: number): number => Math.round((ms / g.wallMs) * 100)
  const per1000 = (ms: number): number => Math.round((ms / Math.max(1, g.announces)) * 1000 * 10) / 10
  return {
    announcesPerSec: Math.round(g.announces / (g.wallMs / 1000)),
    ...(g.offers !== undefined ? { offersPerSec: Math.round(g.offers / (g.wallMs / 1000)) } : {}),
    trackerCpuPct: pct(t1.ms - t0.ms), redisCpuPct: pct(r1.ms - r0.ms), generatorCpuPct: pct(g.cpuMs),
    trackerCpuMsPer1000: per1000(t1.ms - t0.ms), redisCpuMsPer1000: per1000(r1.ms - r0.ms),
    redisTripsPerAnnounce: Math.round((Math.max(0, trips) / Math.max(1, g.announces)) * 100) / 100,
    failures: g.failures, trackerProcesses: t1.processes, servedLocally: await servedLocally(port, setup.workers),
  }
}

async function wsLoop(setup: Setup, redis: RedisServer, admin: Redis): Promise<Sample> {
  const t = await startTracker(setup, redis.url, `scale${Date.now()}:`)
  const { child: g } = await Child.start('loadgen.ts', [])
  try {
    await g.gen({ cmd: 'connect', url: `ws://127.0.0.1:${t.port}/announce`, count: CLIENTS })
    await g.gen({ cmd: 'closed', seconds: 2 }) // warm up the JIT of every process
    return await measure(setup, t.port, t.proc.pid as number, redis, admin, async () => {
      const r = await g.gen({ cmd: 'closed', seconds: SECONDS })
      return { announces: r.counts.announceReplies ?? 0, offers: r.counts.offersReceived ?? 0, failures: r.counts.failures ?? 0, cpuMs: r.cpuMs, wallMs: r.wallMs }
    })
  } finally {
    await g.stop()
    await stopProcess(t.proc)
  }
}

async function udpLoop(setup: Setup, redis: RedisServer, admin: Redis): Promise<Sample> {
  const t = await startTracker(setup, redis.url, `scale${Date.now()}:`)
  const { child: g } = await Child.start('loadgen-classic.ts', [])
  try {
    await g.gen({ cmd: 'setup', http: `http://127.0.0.1:${t.port}/announce`, udpHost: '127.0.0.1', udpPort: t.udpPort, peers: CLASSIC_PEERS })
    await g.gen({ cmd: 'closed', proto: 'udp', inflight: INFLIGHT, seconds: 2 })
    return await measure(setup, t.port, t.proc.pid as number, redis, admin, async () => {
      const r = await g.gen({ cmd: 'closed', proto: 'udp', inflight: INFLIGHT, seconds: SECONDS })
      return { announces: r.counts.replies ?? 0, failures: r.counts.failures ?? 0, cpuMs: r.cpuMs, wallMs: r.wallMs }
    })
  } finally {
    await g.stop()
    await stopProcess(t.proc)
  }
}

/** Memory per idle WebSocket peer: one tracker process (with or without Redis), and Redis's used_memory. */
async function idleMemory(redis: RedisServer | null, admin: Redis): Promise<Record<string, number>> {
  const { child: t, hello } = await Child.start('tracker-child.ts', ['swarmdrop', redis?.url ?? ''])
  const { child: g } = await Child.start('loadgen.ts', [])
  const url = `ws://127.0.0.1:${Number(hello.port)}/announce`
  const settled = async (): Promise<{ rss: number; heap: number; redis: number }> => {
    let best = { rss: Infinity, heap: Infinity, redis: 0 }
    for (let i = 0; i < 3; i++) {
      const u = await t.usage(true)
      if (u.memory.rss < best.rss) best = { rss: u.memory.rss, heap: u.memory.heapUsed, redis: 0 }
      if (i < 2) await sleep(1000)
    }
    best.redis = Number(/^used_memory:(\d+)/m.exec(await admin.info('memory'))?.[1] ?? 0)
    return best
  }
  try {
    await g.gen({ cmd: 'connect', url, count: 500 })
    await g.gen({ cmd: 'close' })
    await sleep(1000)
    const m0 = await settled()
    const r = await g.gen({ cmd: 'connect', url, count: IDLE })
    await sleep(2000)
    const m1 = await settled()
    const per = (a: number, b: number): number => Math.round((b - a) / r.clients)
    return {
      idlePeers: r.clients, rssBytesPerPeer: per(m0.rss, m1.rss), heapBytesPerPeer: per(m0.heap, m1.heap),
      ...(redis !== null ? { redisBytesPerPeer: per(m0.redis, m1.redis), redisUsedMB: Math.round(m1.redis / 1e5) / 10 } : {}),
    }
  } finally {
    await g.stop()
    await t.stop()
  }
}

export async function runScale(): Promise<void> {
  const redis = await RedisServer.start()
  const admin = new Redis(redis.url, { lazyConnect: false })
  const rssRedisIdle = treeRssBytes(redis.pid as number)
  const samples: Record<string, { ws: Sample[]; udp: Sample[] }> = Object.fromEntries(SETUPS.map(s => [s.name, { ws: [], udp: [] }]))
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      // Alternate the order each round, so drifting background load hits every setup alike.
      const order = round % 2 === 1 ? SETUPS : [...SETUPS].reverse()
      for (const proto of ['ws', 'udp'] as const) {
        for (const setup of order) {
          await admin.flushall()
          console.error(`[bench --scale] round ${round}/${ROUNDS} ${setup.name}: ${proto} closed loop`)
          samples[setup.name]?.[proto].push(proto === 'ws' ? await wsLoop(setup, redis, admin) : await udpLoop(setup, redis, admin))
        }
      }
    }
    console.error(`[bench --scale] memory: ${IDLE} idle WebSocket peers, without and with Redis`)
    await admin.flushall()
    const memoryAlone = await idleMemory(null, admin)
    await admin.flushall()
    const memoryShared = await idleMemory(redis, admin)
    report(samples, memoryAlone, memoryShared, rssRedisIdle)
  } finally {
    admin.disconnect()
    await redis.stop()
  }
}

function report(samples: Record<string, { ws: Sample[]; udp: Sample[] }>, alone: Record<string, number>, shared: Record<string, number>, redisIdleRss: number): void {
  const med = (xs: Sample[], f: (s: Sample) => number | undefined): number => median(xs.map(s => f(s) ?? NaN))
  const base = SETUPS[0] as Setup
  const col = (s: string | number, w: number): string => String(s).padStart(w)
  const results: Record<string, Record<string, Record<string, number>>> = {}
  for (const proto of ['ws', 'udp'] as const) {
    const what = proto === 'ws' ? `WebSocket, ${CLIENTS} clients, 5 offers each` : `UDP, ${INFLIGHT} in flight on each of 16 sockets`
    console.log(`\n${what} (closed loop, ${SECONDS} s, median of ${ROUNDS})`)
    console.log(`${'setup'.padEnd(22)} ${col('announces/s', 11)} ${col('x base', 7)} ${proto === 'ws' ? col('offers/s', 9) + ' ' : ''}${col('tracker %', 9)} ${col('redis %', 7)} ${col('gen %', 6)} ${col('tracker ms/1k', 13)} ${col('redis ms/1k', 11)} ${col('trips/ann', 9)} ${col('procs', 5)} ${col('local', 6)}`)
    const baseRate = med(samples[base.name]?.[proto] ?? [], s => s.announcesPerSec)
    for (const setup of SETUPS) {
      const xs = samples[setup.name]?.[proto] ?? []
      const row: Record<string, number> = {
        announcesPerSec: med(xs, s => s.announcesPerSec), offersPerSec: med(xs, s => s.offersPerSec),
        trackerCpuPct: med(xs, s => s.trackerCpuPct), redisCpuPct: med(xs, s => s.redisCpuPct), generatorCpuPct: med(xs, s => s.generatorCpuPct),
        trackerCpuMsPer1000: med(xs, s => s.trackerCpuMsPer1000), redisCpuMsPer1000: med(xs, s => s.redisCpuMsPer1000),
        redisTripsPerAnnounce: med(xs, s => s.redisTripsPerAnnounce), failures: med(xs, s => s.failures), trackerProcesses: med(xs, s => s.trackerProcesses),
        servedLocally: med(xs, s => s.servedLocally),
      }
      row.vsOneProcess = Math.round(((row.announcesPerSec as number) / baseRate) * 100) / 100
      ;(results[setup.name] ??= {})[proto] = row
      console.log(`${setup.name.padEnd(22)} ${col(row.announcesPerSec as number, 11)} ${col(row.vsOneProcess, 7)} ${proto === 'ws' ? col(row.offersPerSec as number, 9) + ' ' : ''}${col(row.trackerCpuPct as number, 9)} ${col(row.redisCpuPct as number, 7)} ${col(row.generatorCpuPct as number, 6)} ${col(row.trackerCpuMsPer1000 as number, 13)} ${col(row.redisCpuMsPer1000 as number, 11)} ${col(row.redisTripsPerAnnounce as number, 9)} ${col(row.trackerProcesses as number, 5)} ${col(row.servedLocally as number, 6)}`)
    }
  }
  console.log('\n(local: requests the workers served from their own table because a Redis call failed or timed out, or too many were in flight: whole run; non-zero means the Redis figures undercount)')
  const two = results['2 workers + Redis']?.ws?.vsOneProcess
  if (two !== undefined) console.log(`\ngoal (issue 13): 2 workers >= 1.6x one process on 2 cores: WebSocket ${two}x, UDP ${results['2 workers + Redis']?.udp?.vsOneProcess}x`)
  console.log(`\nmemory per idle WebSocket peer (${IDLE} announced once, swarms of 20, after a full GC)`)
  console.log(`  one process, no Redis:   RSS ${alone.rssBytesPerPeer} B, heap ${alone.heapBytesPerPeer} B`)
  console.log(`  one process on Redis:    RSS ${shared.rssBytesPerPeer} B, heap ${shared.heapBytesPerPeer} B on the node; ${shared.redisBytesPerPeer} B in Redis (used_memory; redis-server RSS at start ${Math.round(redisIdleRss / 1e5) / 10} MB)`)
  const cores = os.cpus().length
  console.log(`\n${cores} cores (${os.cpus()[0]?.model ?? '?'}); load average ${os.loadavg().map(n => n.toFixed(1)).join(' ')} (other work skews closed loops)`)
  const date = new Date().toISOString().slice(0, 10)
  const tag = process.env.BENCH_TAG ?? ''
  const out = fileURLToPath(new URL(`../results/tracker-scale-${date}${tag !== '' ? `-${tag}` : ''}.json`, import.meta.url))
  mkdirSync(fileURLToPath(new URL('../results/', import.meta.url)), { recursive: true })
  writeFileSync(out, JSON.stringify({
    date: new Date().toISOString(), node: process.version, cores, loadAverageAtEnd: os.loadavg(),
    settings: { workers: WORKERS, clients: CLIENTS, seconds: SECONDS, rounds: ROUNDS, idle: IDLE, udpInflight: INFLIGHT, offersPerAnnounce: 5, swarmSize: 20, classicPeers: CLASSIC_PEERS },
    results, memory: { alone, shared, redisIdleRssBytes: redisIdleRss }, samples,
  }, null, 2) + '\n')
  console.log(`written to ${out}`)
}
