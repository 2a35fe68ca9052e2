// The shared swarm table in Redis, through ioredis: a connection for the Lua scripts of lua/ (each
// request is one script call: one round trip, pipelined with every other call of the same event-loop
// turn), a second one subscribed to this node's channel (offers and answers from other nodes), a key
// that says this node is alive, and the status the tracker serves by: 'ok', or 'degraded' while Redis
// is out of reach (each node then serves its own sockets from its own table, and writes that table
// back when Redis returns: the tracker's resync).
//
// Nothing waits without bound: a call fails at once while Redis is unreachable (no offline queue),
// after `commandTimeout` when it does not answer (and the connection is dropped and made again: a
// silent network is treated as a lost one), and past `maxInFlight` calls awaiting replies a request
// is answered from the node's own table instead of queueing more.

import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { Redis } from 'ioredis'
import type { Logger } from '../log.ts'
import { StoreUnavailableError } from './errors.ts'

const SCRIPT_FILES = {
  announceRtc: 'announce-rtc',
  announceClassic: 'announce-classic',
  leave: 'leave',
  scrape: 'scrape',
  stats: 'stats',
  sweep: 'sweep',
  resync: 'resync',
} as const
export type ScriptName = keyof typeof SCRIPT_FILES
type Arg = string | Buffer | number

const lua = (name: string): string => readFileSync(new URL(`./lua/${name}.lua`, import.meta.url), 'utf8')


export interface StoreOptions {
  url: string
  /** Prepended to every key and channel: several trackers can share one Redis. */
  prefix: string
  /** Milliseconds a call may wait for its reply. */
  commandTimeout: number
  /** Peers silent this long (ms) are not counted or given out. */
  peerTtl: number
  /** Milliseconds a node's alive key lasts; it is refreshed three times as often. */
  nodeTtl: number
  /** Calls awaiting replies at most. */
  maxInFlight: number
  log: Logger
  /** Wall clock in ms (shared by every node: scores in Redis compare across machines). */
  clock?: () => number
  /** Milliseconds allowed to reach Redis at start. */
  connectTimeout?: number
}

export type StoreStatus = 'ok' | 'degraded'

export interface StoreCounters {
  /** Script calls and publishes sent (each a round trip, pipelined with the others of its turn). */
  calls: number
  /** Calls that failed (Redis lost, too slow): those requests were answered from the node's own table. */
  failures: number
  /** Requests answered from the node's own table because maxInFlight calls were waiting. */
  overflows: number
  /** Messages published to other nodes (offers, answers), and received from them. */
  published: number
  received: number
  /** Times the connection to Redis was lost, and resyncs done after it came back. */
  disconnects: number
  resyncs: number
  /** Round-trip time of the calls, summed in ms (with `calls - failures` gives the mean). */
  roundTripMs: number
}

export class RedisStore {
  readonly nodeId = randomBytes(6).toString('hex')
  readonly counters: StoreCounters = {
    calls: 0, failures: 0, overflows: 0, published: 0, received: 0, disconnects: 0, resyncs: 0, roundTripMs: 0,
  }
  status: StoreStatus = 'ok'
  inFlight = 0
  /** Called with each message published to this node. */
  onMessage: (text: string) => void = () => {}
  /** Called when Redis is back after a loss; resolve when the node's table is written back. */
  onReconnect: () => Promise<void> = async () => {}
  readonly clock: () => number
  private readonly channelPrefix: string
  private aliveTimer: NodeJS.Timeout | null = null
  private closed = false
  private linkUp = true
  private subscribed = true
  /** The UDP connection-id secret every node shares (udp/connection-id.ts), kept in Redis. */
  secret: Buffer = Buffer.alloc(0)

  private constructor(
    private readonly redis: Redis,
    private readonly sub: Redis,
    readonly options: StoreOptions,
  ) {
    this.clock = options.clock ?? Date.now
    this.channelPrefix = options.prefix + 'node:'
    for (const [name, file] of Object.entries(SCRIPT_FILES)) {
      redis.defineCommand(name, { numberOfKeys: 0, lua: lua('swarm') + '\n' + lua(file) })
    }
  }

  /** Connect, check the server, register this node and subscribe to its channel; or throw StoreUnavailableError. */
  static async connect(options: StoreOptions): Promise<RedisStore> {
    const common = {
      lazyConnect: true,
      connectTimeout: options.connectTimeout ?? 5000,
      // Fail at once rather than queue while disconnected, and never replay a call after a
      // reconnection: the request was already answered from the node's own table.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      retryStrategy: (attempt: number) => Math.min(100 * attempt, 2000),
    }
    const redis = new Redis(options.url, { ...common, commandTimeout: options.commandTimeout, enableAutoPipelining: true })
    // The subscriber's channel is subscribed again by start(), which then knows when it is.
    const sub = new Redis(options.url, { ...common, enableOfflineQueue: true, autoResubscribe: false })
    // Errors also arrive as events; the status follows 'close' and 'ready'.
    redis.on('error', () => {})
    sub.on('error', () => {})
    const where = redactUrl(options.url)
    try {
      await redis.connect()
      const info = await redis.info('server')
      const version = /redis_version:(\d+)\.(\d+)/.exec(info)
      if (version === null || Number(version[1]) * 100 + Number(version[2]) < 602) {
        throw new StoreUnavailableError(`Redis at ${where} is ${version === null ? 'of unknown version' : `${version[1]}.${version[2]}`}; swarmdrop needs 6.2 or later (ZRANDMEMBER)`)
      }
      await sub.connect()
    } catch (err) {
      redis.disconnect()
      sub.disconnect()
      if (err instanceof StoreUnavailableError) throw err
      throw new StoreUnavailableError(`cannot reach Redis at ${where}: ${err instanceof Error ? err.message : String(err)}`)
    }
    const store = new RedisStore(redis, sub, options)
    await store.start()
    return store
  }

  private async start(): Promise<void> {
    const { redis, sub, options } = this
    const where = redactUrl(options.url)
    const channel = this.channelPrefix + this.nodeId
    sub.on('message', (_channel: string, text: string) => {
      this.counters.received++
      this.onMessage(text)
    })
    await sub.subscribe(channel)
    await this.shareSecret()
    await this.markAlive()
    this.aliveTimer = setInterval(() => {
      this.markAlive().catch(() => {})
    }, Math.max(100, Math.floor(options.nodeTtl / 3)))
    this.aliveTimer.unref()
    // 'ok' needs both connections: calls answered and the node's table written back, and our
    // channel subscribed again (an offer published before that would be lost).
    const lost = (): void => {
      if (this.status === 'ok') {
        this.counters.disconnects++
        options.log.warn('redis lost: serving from this node\'s own table', { redis: where })
      }
      this.status = 'degraded'
    }
    const settle = (): void => {
      if (this.linkUp && this.subscribed && !this.closed) this.status = 'ok'
    }
    redis.on('close', () => {
      this.linkUp = false
      lost()
    })
    sub.on('close', () => {
      this.subscribed = false
      lost()
    })
    sub.on('ready', () => {
      sub.subscribe(channel).then(() => {
        this.subscribed = true
        settle()
      }, () => {})
    })
    redis.on('ready', () => {
      if (this.closed) return
      // Back: put the shared secret back (if Redis lost it), say we are alive, then write our table
      // back, and only then serve from Redis again.
      this.shareSecret()
        .then(() => this.markAlive())
        .then(() => this.onReconnect())
        .then(() => {
          this.counters.resyncs++
          this.linkUp = true
          settle()
          options.log.info('redis back: node table written back', { redis: where })
        }, (err: unknown) => {
          // Lost again while writing back: the next 'ready' starts over.
          options.log.warn('redis resync failed', { error: String(err) })
        })
    })
  }

  /** The first node writes a random secret; everyone uses what is there (ours again if Redis lost it). */
  private async shareSecret(): Promise<void> {
    const key = this.options.prefix + 'udp-secret'
    await this.redis.set(key, this.secret.length > 0 ? this.secret : randomBytes(32), 'NX')
    const secret = await this.redis.getBuffer(key)
    if (secret === null) throw new Error('the shared UDP secret vanished')
    this.secret = secret
  }

  private markAlive(): Promise<unknown> {
    return this.redis.set(this.options.prefix + 'alive:' + this.nodeId, '1', 'PX', this.options.nodeTtl)
  }

  /** Room for a call now? False while degraded or with maxInFlight calls waiting (counted). */
  usable(): boolean {
    if (this.status !== 'ok') return false
    if (this.inFlight >= this.options.maxInFlight) {
      this.counters.overflows++
      return false
    }
    return true
  }

  /**
   * Run a script with (prefix, now, peer TTL, ...args); resolves with its reply (byte strings as
   * Buffers). A failure is counted, and a timeout drops the connection (it reconnects, then resyncs).
   */
  call(name: ScriptName, args: Arg[]): Promise<unknown> {
    const fn = (this.redis as unknown as Record<string, (...a: Arg[]) => Promise<unknown>>)[`${name}Buffer`] as (...a: Arg[]) => Promise<unknown>
    const t0 = performance.now()
    this.inFlight++
    this.counters.calls++
    return fn.call(this.redis, this.options.prefix, this.clock(), this.options.peerTtl, ...args).then(reply => {
      this.inFlight--
      this.counters.roundTripMs += performance.now() - t0
      return reply
    }, (err: unknown) => {
      this.inFlight--
      this.counters.failures++
      if (err instanceof Error && /timed? ?out/i.test(err.message) && this.redis.status === 'ready') {
        this.options.log.warn('redis call timed out: reconnecting', { script: name })
        this.redis.disconnect(true)
      }
      throw err
    })
  }

  /** Send `text` to another node's channel (fire and forget: a lost message is a lost offer, as on the internet). */
  publish(node: string, text: string): void {
    if (this.status !== 'ok') return
    this.counters.calls++
    this.counters.published++
    this.redis.publish(this.channelPrefix + node, text).catch(() => { this.counters.failures++ })
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    if (this.aliveTimer !== null) clearInterval(this.aliveTimer)
    // Tell the others at once that our sockets are gone (they would see it within nodeTtl anyway).
    await this.redis.del(this.options.prefix + 'alive:' + this.nodeId).catch(() => {})
    this.redis.disconnect()
    this.sub.disconnect()
  }
}

/** The URL without its password, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url)
    if (u.password !== '') u.password = '***'
    return u.toString()
  } catch {
    return '(unparsable URL)'
  }
}
