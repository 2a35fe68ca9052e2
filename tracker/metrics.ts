// /metrics (Prometheus text via prom-client) and /stats (JSON). The hot path only bumps plain
// counters on the Tracker; these read them when scraped, so a busy tracker pays nothing per message.

import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client'
import type { Tracker, TrackerCounters } from './tracker.ts'

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

export function stats(tracker: Tracker, rate: MessageRate, startedAt: number): Record<string, unknown> {
  const mem = process.memoryUsage()
  return {
    ...tracker.registry.counts(),
    connections: tracker.conns.size,
    messagesPerSecond: Math.round(rate.perSecond * 10) / 10,
    memory: { rss: mem.rss, heapUsed: mem.heapUsed, heapTotal: mem.heapTotal, external: mem.external },
    uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
    totals: { ...tracker.counters },
  }
}

const counterHelp: Record<keyof TrackerCounters, string> = {
  messages: 'WebSocket messages received',
  announces: 'announce requests',
  answers: 'answer messages',
  scrapes: 'scrape requests',
  offersRelayed: 'offers relayed to peers',
  answersRelayed: 'answers relayed to offerers',
  failures: 'failure replies sent',
  rateLimited: 'messages dropped by the per-socket rate limit',
  connectionsOpened: 'WebSocket connections accepted',
  connectionsRejected: 'WebSocket upgrades refused (limits, origin)',
  heartbeatDrops: 'sockets dropped for a missed pong or idleness',
  peersExpired: 'peers removed for not announcing',
  messagesSent: 'messages sent to clients',
  socketWrites: 'socket writes (messages to one socket in one event-loop turn share a write)',
}

const snake = (s: string): string => s.replace(/[A-Z]/g, c => '_' + c.toLowerCase())

export function createMetrics(tracker: Tracker, rate: MessageRate): Registry {
  const register = new Registry()
  collectDefaultMetrics({ register, prefix: 'swarmdrop_' })
  const gauge = (name: string, help: string, read: () => number): void => {
    new Gauge({ name, help, registers: [register], collect() { this.set(read()) } })
  }
  gauge('swarmdrop_torrents', 'swarms with at least one peer', () => tracker.registry.swarms.size)
  gauge('swarmdrop_peers', 'peers in all swarms', () => tracker.registry.counts().peers)
  gauge('swarmdrop_seeders', 'peers with the whole torrent', () => tracker.registry.counts().seeders)
  gauge('swarmdrop_leechers', 'peers still downloading', () => tracker.registry.counts().leechers)
  gauge('swarmdrop_connections', 'open WebSocket connections', () => tracker.conns.size)
  gauge('swarmdrop_messages_per_second', 'messages per second, last sample', () => rate.perSecond)
  for (const key of Object.keys(counterHelp) as (keyof TrackerCounters)[]) {
    new Counter({
      name: `swarmdrop_${snake(key)}_total`,
      help: counterHelp[key],
      registers: [register],
      collect() {
        this.reset()
        this.inc(tracker.counters[key])
      },
    })
  }
  return register
}
