// `npm run bench:tracker -- --model [results.json]`: what P peers on N tracker processes (nodes) on one
// Redis would cost, from the costs `--scale` measured (the newest bench/results/tracker-scale-*.json
// unless a file is named). A model, not a simulation: announce rates follow from the announce
// interval, and every cost scales linearly from the measured ones, so it holds only while no part is
// saturated (it says which part saturates first).
//
// Knobs (environment): MODEL_PEERS (default 1000000), MODEL_NODES (10), MODEL_INTERVAL (announce
// interval, s: the tracker's default 120), MODEL_BROWSER_SHARE (share of peers that are browsers
// announcing over WebSocket with 5 offers; the rest announce over UDP; default 1: the costlier case),
// MODEL_NODE_CORES (cores per node, default 1: one tracker process per core).

import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

interface Row { trackerCpuMsPer1000: number; redisCpuMsPer1000: number; redisTripsPerAnnounce: number; announcesPerSec: number }
interface Results {
  date: string; cores: number; loadAverageAtEnd: number[]
  results: Record<string, { ws: Row; udp: Row }>
  memory: { alone: Record<string, number>; shared: Record<string, number> }
}

export interface Costs {
  /** Tracker CPU (ms, all processes) per announce, WebSocket with 5 offers and UDP, offers mostly crossing nodes. */
  nodeMsPerWs: number
  nodeMsPerUdp: number
  /** redis-server CPU (ms) per announce. */
  redisMsPerWs: number
  redisMsPerUdp: number
  /** Resident bytes per idle browser peer on its node, and bytes per peer in Redis. */
  nodeBytesPerPeer: number
  redisBytesPerPeer: number
}

export interface Plan {
  announcesPerSec: number; perNode: number
  nodeCores: number; redisCores: number
  nodeMemoryMB: number; redisMemoryMB: number
  /** The part that saturates first, and at how many peers. */
  limit: string; peersAtLimit: number
}

/** The costs of the setup with the most workers (the most offers crossing processes, as across 10 nodes). */
export function costsOf(r: Results): Costs {
  const setups = Object.keys(r.results).filter(k => /Redis/.test(k) && !/no Redis/.test(k))
  const most = setups.sort((a, b) => parseInt(b) - parseInt(a))[0]
  if (most === undefined) throw new Error('no setup with Redis in the results')
  const row = r.results[most] as { ws: Row; udp: Row }
  return {
    nodeMsPerWs: row.ws.trackerCpuMsPer1000 / 1000, nodeMsPerUdp: row.udp.trackerCpuMsPer1000 / 1000,
    redisMsPerWs: row.ws.redisCpuMsPer1000 / 1000, redisMsPerUdp: row.udp.redisCpuMsPer1000 / 1000,
    nodeBytesPerPeer: r.memory.shared.rssBytesPerPeer ?? NaN, redisBytesPerPeer: r.memory.shared.redisBytesPerPeer ?? NaN,
  }
}

export function plan(c: Costs, peers: number, nodes: number, interval: number, browserShare: number, coresPerNode: number): Plan {
  const rate = peers / interval
  const ws = rate * browserShare
  const udp = rate - ws
  const nodeCoresTotal = (ws * c.nodeMsPerWs + udp * c.nodeMsPerUdp) / 1000
  const redisCores = (ws * c.redisMsPerWs + udp * c.redisMsPerUdp) / 1000
  const nodeCores = nodeCoresTotal / nodes
  // Redis runs its scripts on one thread: one core is its ceiling; a node has coresPerNode.
  const nodeLimit = peers * (coresPerNode / nodeCores)
  const redisLimit = peers * (1 / redisCores)
  return {
    announcesPerSec: Math.round(rate), perNode: Math.round(rate / nodes),
    nodeCores: Math.round(nodeCores * 100) / 100, redisCores: Math.round(redisCores * 100) / 100,
    nodeMemoryMB: Math.round((peers / nodes) * c.nodeBytesPerPeer / 1e6), redisMemoryMB: Math.round(peers * c.redisBytesPerPeer / 1e6),
    limit: redisLimit < nodeLimit ? 'Redis (one core for its scripts)' : `the nodes (${coresPerNode} core${coresPerNode > 1 ? 's' : ''} each)`,
    peersAtLimit: Math.round(Math.min(redisLimit, nodeLimit)),
  }
}

function newestResults(): string {
  const dir = fileURLToPath(new URL('../results/', import.meta.url))
  const files = readdirSync(dir).filter(f => /^tracker-scale-.*\.json$/.test(f)).sort()
  const last = files[files.length - 1]
  if (last === undefined) throw new Error('no bench/results/tracker-scale-*.json: run `npm run bench:tracker -- --scale` first')
  return dir + last
}

export function runModel(file = newestResults()): void {
  const r = JSON.parse(readFileSync(file, 'utf8')) as Results
  const peers = Number(process.env.MODEL_PEERS ?? 1_000_000)
  const nodes = Number(process.env.MODEL_NODES ?? 10)
  const interval = Number(process.env.MODEL_INTERVAL ?? 120)
  const share = Number(process.env.MODEL_BROWSER_SHARE ?? 1)
  const cores = Number(process.env.MODEL_NODE_CORES ?? 1)
  const c = costsOf(r)
  const p = plan(c, peers, nodes, interval, share, cores)
  console.log(`costs from ${file} (${r.date}, ${r.cores} cores, load ${r.loadAverageAtEnd.map(n => n.toFixed(1)).join(' ')} at its end):`)
  console.log(`  per WebSocket announce (5 offers): tracker ${c.nodeMsPerWs.toFixed(3)} ms, Redis ${c.redisMsPerWs.toFixed(3)} ms CPU`)
  console.log(`  per UDP announce:                  tracker ${c.nodeMsPerUdp.toFixed(3)} ms, Redis ${c.redisMsPerUdp.toFixed(3)} ms CPU`)
  console.log(`  per idle browser peer: ${c.nodeBytesPerPeer} B on its node, ${c.redisBytesPerPeer} B in Redis`)
  console.log(`\n${peers.toLocaleString('en')} peers (${Math.round(share * 100)} % browsers) on ${nodes} nodes, announcing every ${interval} s:`)
  console.log(`  announces/s: ${p.announcesPerSec} in all, ${p.perNode} per node`)
  console.log(`  CPU: ${p.nodeCores} core per node, ${p.redisCores} core of Redis`)
  console.log(`  memory: ${p.nodeMemoryMB} MB per node (peers only, plus ~60 MB per process), ${p.redisMemoryMB} MB in Redis`)
  console.log(`  first to saturate: ${p.limit}, at about ${p.peersAtLimit.toLocaleString('en')} peers`)
}
