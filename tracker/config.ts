// Configuration from flags and environment: every option has a flag (--max-offers) and an environment
// variable (SWARMDROP_MAX_OFFERS); PORT and HOST are also read bare, as most hosts set them.
// Flags win over the environment, which wins over the defaults.

import { defaultLimits, defaultTiming, type Limits, type Timing } from './limits.ts'
import { isLogLevel, type LogLevel } from './log.ts'

export interface Config {
  port: number
  /** UDP tracker port; null = the same number as `port`, 0 = no UDP tracker. */
  udpPort: number | null
  host: string
  /** Address the UDP tracker listens on; null = `host` (behind an HTTP proxy UDP must stay public). */
  udpHost: string | null
  /** Directory holding the built web app (vite build output). */
  webRoot: string
  /**
   * Take the client address from X-Forwarded-For (rightmost entry: the one our proxy added), and an
   * HTTP announce's `ip` parameter.
   */
  trustProxy: boolean
  /** Allowed Origin headers for WebSocket upgrades; empty = any. */
  allowOrigins: string[]
  denyOrigins: string[]
  tlsCert: string | null
  tlsKey: string | null
  logLevel: LogLevel
  /** Trackers the web app should use (served in /config.json); "self" = this server's /announce. */
  trackers: string[]
  /** ICE servers for the web app's RTCPeerConnections (served in /config.json). */
  iceServers: IceServer[]
  /** Seed every file and .torrent of this folder with a Node peer in this process (node/seed-folder.ts). */
  seedDir: string | null
  /** The seeding peer's TCP port for classic clients (0 = any). */
  seedPort: number
  /** Trackers the seeds announce to besides this server's own WebSocket tracker. */
  seedAnnounce: string[]
  limits: Limits
  timing: Timing
  /** Redis URL: every tracker process naming the same Redis (and prefix) serves the same swarms; null = in-memory. */
  redis: string | null
  /** Prepended to every Redis key and channel, so several trackers can share one Redis. */
  redisPrefix: string
  /** Worker processes on the same port (more than 1 needs `redis`). */
  workers: number
}

/** Worker processes at most (each is a Node process of its own). */
export const MAX_WORKERS = 64

export interface IceServer { urls: string | string[]; username?: string; credential?: string }

export class ConfigError extends Error {
  override name = 'ConfigError'
}

type Kind = 'int' | 'num' | 'str' | 'bool' | 'list'
interface Option {
  flag: string; kind: Kind; help: string; env?: string
  apply: (c: Config, v: string | number | boolean | string[]) => void
  show?: (c: Config) => unknown
}

const limitOpt = (flag: string, key: keyof Limits, help: string): Option =>
  ({ flag, kind: 'int', help, apply: (c, v) => { c.limits[key] = v as number }, show: c => c.limits[key] })
const timeOpt = (flag: string, key: keyof Timing, help: string): Option =>
  ({ flag, kind: 'num', help, apply: (c, v) => { c.timing[key] = v as number }, show: c => c.timing[key] })

const options: Option[] = [
  { flag: 'port', kind: 'int', env: 'PORT', help: 'TCP port (0 = any free port)', apply: (c, v) => { c.port = v as number } },
  { flag: 'udp-port', kind: 'int', help: 'UDP tracker port (default: the same number as --port; 0 = no UDP tracker)', apply: (c, v) => { c.udpPort = v as number } },
  { flag: 'host', kind: 'str', env: 'HOST', help: 'address to listen on (127.0.0.1 behind a proxy)', apply: (c, v) => { c.host = v as string } },
  { flag: 'udp-host', kind: 'str', help: 'address the UDP tracker listens on (default: --host; UDP does not pass an HTTP proxy)', apply: (c, v) => { c.udpHost = v as string } },
  { flag: 'web-root', kind: 'str', help: 'built web app directory', apply: (c, v) => { c.webRoot = v as string } },
  { flag: 'trust-proxy', kind: 'bool', help: 'client address from X-Forwarded-For, and HTTP announces\' ip= (only behind a proxy)', apply: (c, v) => { c.trustProxy = v as boolean } },
  { flag: 'allow-origin', kind: 'list', help: 'allowed Origin for WebSocket upgrades (repeat or comma list; default any)', apply: (c, v) => { c.allowOrigins = v as string[] } },
  { flag: 'deny-origin', kind: 'list', help: 'denied Origin (repeat or comma list)', apply: (c, v) => { c.denyOrigins = v as string[] } },
  { flag: 'tls-cert', kind: 'str', help: 'PEM certificate: serve https/wss directly', apply: (c, v) => { c.tlsCert = v as string } },
  { flag: 'tls-key', kind: 'str', help: 'PEM private key (with --tls-cert)', apply: (c, v) => { c.tlsKey = v as string } },
  { flag: 'log-level', kind: 'str', help: 'debug | info | warn | error | silent', apply: (c, v) => {
    if (!isLogLevel(v as string)) throw new ConfigError(`--log-level: unknown level ${String(v)}`)
    c.logLevel = v as LogLevel
  } },
  { flag: 'tracker', kind: 'list', help: 'tracker URL for the web app (repeat; "self" = this server)', apply: (c, v) => { c.trackers = v as string[] } },
  { flag: 'ice-server', kind: 'list', help: 'STUN/TURN URL for the web app (repeat)', apply: (c, v) => { c.iceServers = (v as string[]).map(urls => ({ urls })) } },
  { flag: 'seed', kind: 'str', env: 'SWARMDROP_SEED_DIR', help: 'seed every file, folder and .torrent in this folder (keeps shared files alive with every tab closed)', apply: (c, v) => { c.seedDir = v as string } },
  { flag: 'seed-port', kind: 'int', help: 'TCP port of the seeding peer, for classic BitTorrent clients (0 = any)', apply: (c, v) => { c.seedPort = v as number }, show: c => c.seedPort },
  { flag: 'seed-announce', kind: 'list', help: 'more trackers the seeds announce to, e.g. this server\'s public http(s)://host/announce (repeat)', apply: (c, v) => { c.seedAnnounce = v as string[] } },
  { flag: 'ice-servers-json', kind: 'str', help: 'ICE servers as a JSON array (for TURN credentials)', apply: (c, v) => { c.iceServers = parseIceJson(v as string) } },
  { flag: 'redis', kind: 'str', env: 'SWARMDROP_REDIS_URL', help: 'Redis URL (redis://[:password@]host:port[/db], rediss:// for TLS): share swarms with every tracker process on it', apply: (c, v) => { c.redis = v as string } },
  { flag: 'redis-prefix', kind: 'str', help: 'prefix of every Redis key and channel (trackers with different prefixes do not share)', apply: (c, v) => { c.redisPrefix = v as string } },
  { flag: 'workers', kind: 'int', help: `tracker processes on this port, sharing swarms through --redis (1-${MAX_WORKERS})`, apply: (c, v) => { c.workers = v as number } },
  timeOpt('redis-timeout', 'redisTimeout', 'a Redis call not answered within this fails (the request is served from this process\'s own table), seconds'),
  timeOpt('node-ttl', 'nodeTtl', 'with --redis: a process silent this long is taken for gone (its browser peers are not offered to), seconds'),
  timeOpt('interval', 'interval', 'announce interval told to clients, seconds'),
  timeOpt('min-interval', 'minInterval', '`min interval` told to HTTP clients, seconds'),
  timeOpt('peer-ttl', 'peerTtl', 'a silent peer leaves its swarm after this, seconds'),
  timeOpt('offer-ttl', 'offerTtl', 'answers are relayed while the offer is younger than this, seconds'),
  timeOpt('heartbeat', 'heartbeat', 'ping interval; no pong by the next ping drops the socket, seconds'),
  timeOpt('idle-timeout', 'idleTimeout', 'close a socket that sent no message for this long, seconds'),
  timeOpt('close-timeout', 'closeTimeout', 'destroy a socket whose client does not finish the closing handshake, seconds'),
  timeOpt('connection-id-ttl', 'connectionIdTtl', 'a UDP connection id is accepted this long, seconds'),
  limitOpt('max-message-bytes', 'maxMessageBytes', 'largest WebSocket message'),
  limitOpt('max-offers', 'maxOffersPerAnnounce', 'offers relayed per announce'),
  limitOpt('max-scrape', 'maxScrapeHashes', 'info hashes per scrape'),
  limitOpt('max-swarms-per-socket', 'maxSwarmsPerSocket', 'swarms one socket may join'),
  limitOpt('max-peers-per-swarm', 'maxPeersPerSwarm', 'peers in one swarm'),
  limitOpt('max-connections', 'maxConnections', 'open WebSocket connections in total'),
  limitOpt('max-connections-per-ip', 'maxConnectionsPerIp', 'open connections per client address (0 = no limit)'),
  limitOpt('rate', 'messagesPerSecond', 'messages per second per socket (token bucket refill)'),
  limitOpt('burst', 'messageBurst', 'token bucket size per socket'),
  limitOpt('max-dropped', 'maxDroppedMessages', 'messages dropped in a row before the socket is closed'),
  limitOpt('max-pending-offers', 'maxPendingOffersPerPeer', 'unanswered offers remembered per peer'),
  limitOpt('max-buffered-bytes', 'maxBufferedBytes', 'bytes queued to a slow socket before it is dropped'),
  limitOpt('max-outbox', 'maxOutboxMessages', 'messages queued to one socket in one event-loop turn before it is dropped'),
  limitOpt('numwant', 'defaultNumwant', 'classic peers given when an announce names no numwant'),
  limitOpt('max-numwant', 'maxNumwant', 'classic peers given at most'),
  limitOpt('ip-rate', 'requestsPerSecondPerIp', 'HTTP and UDP requests per second per client address'),
  limitOpt('ip-burst', 'requestBurstPerIp', 'HTTP and UDP request burst per client address'),
  limitOpt('max-tracked-addresses', 'maxTrackedAddresses', 'client addresses whose request rate is tracked'),
  limitOpt('max-udp-scrape', 'maxUdpScrapeHashes', 'info hashes per UDP scrape'),
  limitOpt('max-udp-reply-bytes', 'maxUdpReplyBytes', 'largest UDP reply (announces give fewer peers rather than fragment)'),
  limitOpt('max-redis-in-flight', 'maxRedisInFlight', 'Redis calls awaiting replies; past it requests are served from this process\'s own table'),
  limitOpt('max-left-while-lost', 'maxLeftWhileLost', 'browser peers that left while Redis was lost, remembered to remove from it when it returns'),
]

// Browsers behind NAT (most of them) need a STUN server to find their public address, or WebRTC only
// connects peers on one network. These are the public STUN servers WebTorrent uses by default; set
// --ice-server / --ice-servers-json to use your own (and a TURN server for peers behind strict NATs).
export const DEFAULT_ICE_SERVERS: IceServer[] = [{ urls: ['stun:stun.l.google.com:19302', 'stun:global.stun.twilio.com:3478'] }]

export function defaultConfig(): Config {
  return {
    port: 8000, udpPort: null, host: '0.0.0.0', udpHost: null, webRoot: 'dist/web', trustProxy: false, allowOrigins: [], denyOrigins: [],
    tlsCert: null, tlsKey: null, logLevel: 'info', trackers: ['self'], iceServers: structuredClone(DEFAULT_ICE_SERVERS),
    seedDir: null, seedPort: 6881, seedAnnounce: [],
    limits: { ...defaultLimits }, timing: { ...defaultTiming }, redis: null, redisPrefix: 'swarmdrop:', workers: 1,
  }
}

const envName = (o: Option): string => o.env ?? 'SWARMDROP_' + o.flag.toUpperCase().replaceAll('-', '_')

function convert(o: Option, raw: string, from: string): string | number | boolean | string[] {
  switch (o.kind) {
    case 'str': return raw
    case 'list': return raw.split(',').map(s => s.trim()).filter(s => s !== '')
    case 'bool':
      if (/^(1|true|yes|on)$/i.test(raw)) return true
      if (/^(0|false|no|off)$/i.test(raw)) return false
      throw new ConfigError(`${from}: expected true or false, got ${raw}`)
    case 'int': case 'num': {
      const n = Number(raw)
      if (raw.trim() === '' || !Number.isFinite(n) || n < 0 || (o.kind === 'int' && !Number.isInteger(n))) {
        throw new ConfigError(`${from}: expected a ${o.kind === 'int' ? 'whole ' : ''}number >= 0, got ${raw}`)
      }
      return n
    }
  }
}

function parseIceJson(raw: string): IceServer[] {
  let v: unknown
  try { v = JSON.parse(raw) } catch { throw new ConfigError('--ice-servers-json: not JSON') }
  if (!Array.isArray(v) || !v.every(s => typeof s === 'object' && s !== null && 'urls' in s)) {
    throw new ConfigError('--ice-servers-json: expected an array of { urls, username?, credential? }')
  }
  return v as IceServer[]
}

export type ParseResult = { kind: 'config'; config: Config } | { kind: 'help'; text: string }

/** Parse flags (`--name value`, `--name=value`, bare `--bool`) over environment over defaults. */
export function parseConfig(argv: readonly string[], env: Record<string, string | undefined> = {}): ParseResult {
  const config = defaultConfig()
  const byFlag = new Map(options.map(o => [o.flag, o]))
  for (const o of options) {
    const raw = env[envName(o)]
    if (raw !== undefined && raw !== '') o.apply(config, convert(o, raw, envName(o)))
  }
  const lists = new Map<Option, string[]>()
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string
    if (arg === '--help' || arg === '-h') return { kind: 'help', text: helpText() }
    if (!arg.startsWith('--')) throw new ConfigError(`unexpected argument ${arg} (see --help)`)
    const eq = arg.indexOf('=')
    const name = arg.slice(2, eq === -1 ? undefined : eq)
    const o = byFlag.get(name)
    if (o === undefined) throw new ConfigError(`unknown flag --${name} (see --help)`)
    let raw: string
    if (eq !== -1) raw = arg.slice(eq + 1)
    else if (o.kind === 'bool') raw = 'true'
    else {
      const next = argv[++i]
      if (next === undefined) throw new ConfigError(`--${name} needs a value`)
      raw = next
    }
    const value = convert(o, raw, `--${name}`)
    if (o.kind === 'list') {
      const acc = lists.get(o) ?? []
      acc.push(...(value as string[]))
      lists.set(o, acc)
    } else o.apply(config, value)
  }
  for (const [o, v] of lists) o.apply(config, v)
  if ((config.tlsCert === null) !== (config.tlsKey === null)) throw new ConfigError('--tls-cert and --tls-key go together')
  if (config.port > 65535) throw new ConfigError('--port: at most 65535')
  if (config.udpPort !== null && config.udpPort > 65535) throw new ConfigError('--udp-port: at most 65535')
  if (config.seedPort > 65535) throw new ConfigError('--seed-port: at most 65535')
  if (config.limits.maxUdpReplyBytes < 20 + 18) throw new ConfigError('--max-udp-reply-bytes: at least 38 (one IPv6 peer)')
  if (config.limits.messageBurst < 1) throw new ConfigError('--burst: at least 1')
  if (config.workers < 1 || config.workers > MAX_WORKERS) throw new ConfigError(`--workers: 1 to ${MAX_WORKERS}`)
  if (config.workers > 1 && config.redis === null) {
    throw new ConfigError(`--workers ${config.workers} needs --redis URL (or SWARMDROP_REDIS_URL): worker processes share swarms only through Redis (see docs/deploy.md)`)
  }
  if (config.workers > 1 && config.seedDir !== null) {
    throw new ConfigError('--seed runs in one process: it cannot go with --workers (run `npm run -s cli -- seed` beside the workers instead, see docs/deploy.md)')
  }
  if (config.redis !== null && !/^rediss?:\/\//.test(config.redis)) throw new ConfigError('--redis: expected a redis:// or rediss:// URL')
  if (config.timing.redisTimeout <= 0) throw new ConfigError('--redis-timeout: more than 0')
  if (config.timing.nodeTtl < 1) throw new ConfigError('--node-ttl: at least 1 second')
  return { kind: 'config', config }
}

export function helpText(): string {
  const d = defaultConfig()
  const defaults: Record<string, unknown> = {
    port: d.port, 'udp-port': 'same as --port', host: d.host, 'udp-host': 'same as --host', 'web-root': d.webRoot, 'log-level': d.logLevel, tracker: 'self',
    redis: 'none: swarms in this process\'s memory', 'redis-prefix': d.redisPrefix, workers: d.workers,
    ...Object.fromEntries(options.filter(o => o.show !== undefined).map(o => [o.flag, o.show?.(d)])),
  }
  const lines = options.map(o => {
    const dv = defaults[o.flag]
    const left = `  --${o.flag}${o.kind === 'bool' ? '' : ' <' + o.kind + '>'}`
    return `${left.padEnd(34)} ${o.help}${dv !== undefined ? ` [${String(dv)}]` : ''}\n${''.padEnd(35)}env ${envName(o)}`
  })
  return [
    'swarmdrop: the web app and a BitTorrent tracker (WebSocket, HTTP and UDP) on one port',
    '',
    'usage: tsx tracker/main.ts [flags]',
    '',
    ...lines,
    `${'  --help'.padEnd(34)} this text`,
    '',
    'Routes: / (web app), /announce and /scrape (HTTP tracker; WebSocket upgrades on any path), /stats, /metrics,',
    '/healthz, /config.json; the UDP tracker on --udp-port.',
  ].join('\n')
}
