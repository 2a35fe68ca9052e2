// /metrics (Prometheus text via prom-client) and /stats (JSON). The hot paths only bump plain
// counters on the core and the socket layers; these read them when scraped, so a busy tracker pays
// nothing per request.

import { createRequire } from 'node:module'
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client'
import type { HttpTracker } from './http/handler.ts'
import type { ClusterCounters, SharedTracker } from './redis/shared-tracker.ts'
import type { StoreCounters } from './redis/store.ts'
import { PROTOCOLS, REJECT_REASONS, type Protocol } from './requests.ts'
import type { TableCounts } from './swarms.ts'
import type { Tracker } from './tracker.ts'
import type { UdpCounters, UdpTracker } from './udp/server.ts'
import type { Conn } from './ws/connection.ts'
import type { WsCounters, WsServer } from './ws/server.ts'

/** The core and its socket layers, as server.ts composes them. */
export interface TrackerParts {
  tracker: Tracker<Conn>
  ws: WsServer
  http: HttpTracker
  udp: UdpTracker | null
  /** The same core as `tracker` when swarms are shared through Redis (--redis), else null. */
  shared: SharedTracker<Conn> | null
}

export class MessageRate {
  private lastCount = 0
  private lastAt = 0
  /** Messages per second over the last sampling period. */
  perSecond = 0
  sample(count: number, now: number): void {
    if (this.lastAt !== 0 && now > this.lastAt) this.perSecond = ((count - this.lastCount) * 1000) / (now - this.lastAt)
    this.lastCount = count
    this.lastAt = now
  }
}

const sum = (r: Record<Protocol, number>): number => r.ws + r.http + r.udp

/**
 * /stats. With --redis, `sharedCounts` (null while Redis is lost) are the whole cluster's: the top
 * level counts them, `node` this process's own table and `redis` its link to the others.
 */
export function stats(parts: TrackerParts, rate: MessageRate, startedAt: number, sharedCounts: TableCounts | null): Record<string, unknown> {
  const { tracker, ws, udp, shared } = parts
  const mem = process.memoryUsage()
  const local = tracker.table.counts()
  const { byProtocol, ...counts } = sharedCounts ?? local
  const c = tracker.counters
  const protocols = Object.fromEntries(PROTOCOLS.map(p => [p, {
    peers: byProtocol[p],
    announces: c.announces[p],
    scrapes: c.scrapes[p],
    refused: c.refused[p],
    // Only the reasons that happened: the full table is in /metrics.
    rejected: Object.fromEntries(Object.entries(c.rejected[p]).filter(([, n]) => n > 0)),
  }]))
  return {
    ...counts,
    connections: ws.conns.size,
    messagesPerSecond: Math.round(rate.perSecond * 10) / 10,
    memory: { rss: mem.rss, heapUsed: mem.heapUsed, heapTotal: mem.heapTotal, external: mem.external },
    uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
    totals: {
      ...ws.counters,
      announces: sum(c.announces),
      answers: c.answers,
      scrapes: sum(c.scrapes),
      offersRelayed: c.offersRelayed,
      answersRelayed: c.answersRelayed,
      peersExpired: c.peersExpired,
    },
    protocols,
    udp: udp === null ? null : { port: udp.port, ...udp.counters },
    ...(shared === null ? {} : {
      node: { id: shared.nodeId, pid: process.pid, ...local },
      redis: { status: shared.store.status, inFlight: shared.store.inFlight, ...shared.store.counters, ...shared.cluster },
    }),
  }
}

const wsHelp: Record<keyof WsCounters, string> = {
  messages: 'WebSocket messages received',
  failures: 'WebSocket failure replies sent',
  rateLimited: 'WebSocket messages dropped by the per-socket rate limit',
  connectionsOpened: 'WebSocket connections accepted',
  connectionsRejected: 'WebSocket upgrades refused (limits, origin)',
  heartbeatDrops: 'sockets dropped for a missed pong or idleness',
  messagesSent: 'WebSocket messages sent to clients',
  socketWrites: 'socket writes (messages to one socket in one event-loop turn share a write)',
}

const udpHelp: Record<keyof UdpCounters, string> = {
  packets: 'UDP packets received',
  connects: 'UDP connect requests answered',
  errorsSent: 'UDP error packets sent',
  dropped: 'UDP packets dropped without a reply (short, rate-limited, not BEP 15)',
}

/**
 * prom-client's default metrics (process CPU, memory, heap, handles, event-loop lag, ...) without its
 * GC-duration histogram: that one observes every garbage collection through a PerformanceObserver,
 * and Node 20 builds each GC entry with deprecation wrappers: ~5% of the tracker's CPU per WebSocket
 * announce in a profile (collections come in proportion to requests), where every other default
 * metric costs nothing until scraped. prom-client has no switch for one default metric, so its
 * metric modules are called one by one; should its layout change, all of them are taken instead.
 */
const DEFAULT_METRICS = [
  'processCpuTotal', 'processStartTime', 'osMemoryHeap', 'processOpenFileDescriptors', 'processMaxFileDescriptors',
  'eventLoopLag', 'processResources', 'processHandles', 'processRequests', 'heapSizeAndUsed', 'heapSpacesSizeAndUsed', 'version',
]

function defaultMetricsWithoutGc(register: Registry, prefix: string): void {
  const require = createRequire(import.meta.url)
  let collectors: ((r: Registry, c: object) => void)[]
  try {
    collectors = DEFAULT_METRICS.map(name => require(`prom-client/lib/metrics/${name}.js`) as (r: Registry, c: object) => void)
  } catch {
    collectDefaultMetrics({ register, prefix })
    return
  }
  for (const collect of collectors) collect(register, { prefix, eventLoopMonitoringPrecision: 10 })
}

const snake = (s: string): string => s.replace(/[A-Z]/g, c => '_' + c.toLowerCase())

export function createMetrics(parts: TrackerParts, rate: MessageRate): Registry {
  const { tracker, ws } = parts
  const register = new Registry()
  defaultMetricsWithoutGc(register, 'swarmdrop_')
  const gauge = (name: string, help: string, read: () => number): void => {
    new Gauge({ name, help, registers: [register], collect() { this.set(read()) } })
  }
  const counter = (name: string, help: string, read: () => number): void => {
    new Counter({ name, help, registers: [register], collect() { this.reset(); this.inc(read()) } })
  }
  const byProtocol = (name: string, help: string, read: (p: Protocol) => number): void => {
    new Counter({
      name, help, labelNames: ['protocol'], registers: [register],
      collect() {
        this.reset()
        for (const p of PROTOCOLS) this.inc({ protocol: p }, read(p))
      },
    })
  }
  gauge('swarmdrop_torrents', 'swarms with at least one peer', () => tracker.table.swarms.size)
  gauge('swarmdrop_peers', 'peers in all swarms', () => tracker.table.counts().peers)
  gauge('swarmdrop_seeders', 'peers with the whole torrent', () => tracker.table.counts().seeders)
  gauge('swarmdrop_leechers', 'peers still downloading', () => tracker.table.counts().leechers)
  new Gauge({
    name: 'swarmdrop_peers_by_protocol', help: 'peers by the protocol they announced over', labelNames: ['protocol'], registers: [register],
    collect() {
      const n = tracker.table.counts().byProtocol
      for (const p of PROTOCOLS) this.set({ protocol: p }, n[p])
    },
  })
  gauge('swarmdrop_connections', 'open WebSocket connections', () => ws.conns.size)
  gauge('swarmdrop_messages_per_second', 'WebSocket messages per second, last sample', () => rate.perSecond)
  for (const key of Object.keys(wsHelp) as (keyof WsCounters)[]) counter(`swarmdrop_${snake(key)}_total`, wsHelp[key], () => ws.counters[key])
  const c = tracker.counters
  byProtocol('swarmdrop_announces_total', 'announce requests', p => c.announces[p])
  byProtocol('swarmdrop_scrapes_total', 'scrape requests', p => c.scrapes[p])
  byProtocol('swarmdrop_refused_requests_total', 'valid requests refused (swarm full, peer_id of another connection, stale offer)', p => c.refused[p])
  counter('swarmdrop_answers_total', 'WebRTC answers received', () => c.answers)
  counter('swarmdrop_offers_relayed_total', 'offers relayed to peers', () => c.offersRelayed)
  counter('swarmdrop_answers_relayed_total', 'answers relayed to offerers', () => c.answersRelayed)
  counter('swarmdrop_peers_expired_total', 'peers removed for not announcing', () => c.peersExpired)
  new Counter({
    name: 'swarmdrop_rejected_requests_total',
    help: 'requests turned away before the core: malformed, over a limit, or rate-limited',
    labelNames: ['protocol', 'reason'],
    registers: [register],
    collect() {
      this.reset()
      for (const p of PROTOCOLS) for (const r of REJECT_REASONS) this.inc({ protocol: p, reason: r }, c.rejected[p][r])
    },
  })
  for (const key of Object.keys(udpHelp) as (keyof UdpCounters)[]) {
    counter(`swarmdrop_udp_${snake(key)}_total`, udpHelp[key], () => parts.udp?.counters[key] ?? 0)
  }
  if (parts.shared !== null) sharedMetrics(register, parts.shared, gauge, counter)
  return register
}

const storeHelp: Record<keyof StoreCounters, string> = {
  calls: 'Redis calls sent (scripts and publishes; one round trip each, pipelined)',
  failures: 'Redis calls that failed (those requests were served from this process\'s own table)',
  overflows: 'requests served from this process\'s own table because too many Redis calls were waiting',
  published: 'messages (offers, answers) published to other tracker processes',
  received: 'messages received from other tracker processes',
  disconnects: 'times the connection to Redis was lost',
  resyncs: 'times this process wrote its table back to Redis after a loss',
  roundTripMs: 'milliseconds spent awaiting Redis replies, summed over calls',
}

const clusterHelp: Record<keyof ClusterCounters, string> = {
  offersForwarded: 'offers sent to the tracker process holding the answerer\'s socket',
  answersForwarded: 'answers sent to the tracker process holding the offerer\'s socket',
  undeliverable: 'offers and answers from other processes whose peer had left',
  sharedPeersExpired: 'peers this process\'s sweeps removed from Redis',
  resyncedPeers: 'peers written back to Redis at resyncs',
  resyncConflicts: 'browser peer_ids another process had taken while Redis was lost',
  leftForgotten: 'browser peers that left while Redis was lost, past the limit to remember (they expire)',
}

type Reader = (name: string, help: string, read: () => number) => void

/** With --redis: the link's state and traffic, and the whole cluster's counts (the same on every node). */
function sharedMetrics(register: Registry, shared: SharedTracker<Conn>, gauge: Reader, counter: Reader): void {
  const store = shared.store
  gauge('swarmdrop_redis_degraded', '1 while Redis is out of reach (this process serves its own sockets only)', () => (store.status === 'ok' ? 0 : 1))
  gauge('swarmdrop_redis_in_flight', 'Redis calls awaiting replies', () => store.inFlight)
  for (const key of Object.keys(storeHelp) as (keyof StoreCounters)[]) counter(`swarmdrop_redis_${snake(key)}_total`, storeHelp[key], () => store.counters[key])
  for (const key of Object.keys(clusterHelp) as (keyof ClusterCounters)[]) counter(`swarmdrop_cluster_${snake(key)}_total`, clusterHelp[key], () => shared.cluster[key])
  new Gauge({
    name: 'swarmdrop_cluster_peers', help: 'peers, seeders, leechers and torrents of every process together (from Redis; absent while it is lost)',
    labelNames: ['what'], registers: [register],
    async collect() {
      this.reset()
      const c = await shared.sharedCounts()
      if (c === null) return
      for (const what of ['torrents', 'peers', 'seeders', 'leechers'] as const) this.set({ what }, c[what])
    },
  })
}
