// One port, one process: HTTP for the web app, the operator routes and the HTTP tracker, WebSocket
// upgrades on any path for the WebTorrent tracker (clients connect to the announce URL as given), and
// the UDP tracker on a UDP port (by default the same number). One tracker core serves all three.
//   /announce /scrape  HTTP tracker (http/)     WebSocket upgrade, any path  WebSocket tracker (ws/)
//   /healthz      liveness        /stats    JSON counts      /metrics  Prometheus text
//   /config.json  trackers and ICE servers for the web app (see docs/deploy.md)
//   anything else the built web app (static.ts)

import { readFileSync } from 'node:fs'
import { createServer as createHttpServer, maxHeaderSize, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo, Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import type { Config } from './config.ts'
import { ANNOUNCE_PATH, HttpTracker, SCRAPE_PATH } from './http/handler.ts'
import { LeanHttpConnections } from './http/lean-connections.ts'
import { createLogger, type Logger } from './log.ts'
import { MessageRate, createMetrics, stats, type TrackerParts } from './metrics.ts'
import { SharedTracker } from './redis/shared-tracker.ts'
import { StaticFiles, securityHeaders } from './static.ts'
import { Tracker } from './tracker.ts'
import { startUdpTracker, type UdpTracker } from './udp/server.ts'
import type { Conn } from './ws/connection.ts'
import { WsServer } from './ws/server.ts'
import { handshakeProblem } from './ws/handshake.ts'

export interface RunningServer extends TrackerParts {
  port: number
  /** http(s)://host:port as listened on. */
  url: string
  /** The UDP tracker's port, or null when it is off (--udp-port 0). */
  udpPort: number | null
  /** The HTTP tracker's lean connections (null with TLS: all goes through the http server). */
  leanHttp: LeanHttpConnections | null
  close(): Promise<void>
}

export interface ServerOptions {
  logger?: Logger
  /** Milliseconds, monotonic; tests drive expiry with their own clock. */
  clock?: () => number
  /** With --redis: wall-clock milliseconds, the same on every node (Redis keeps last announces by it). */
  wallClock?: () => number
  /** What this process seeds (--seed), listed in /stats. */
  seeds?: () => unknown[]
}

/** The client address: the socket's, or behind a trusted proxy the last X-Forwarded-For entry (the one our proxy wrote). */
export function clientAddress(req: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const xff = req.headers['x-forwarded-for']
    const value = Array.isArray(xff) ? xff[xff.length - 1] : xff
    const last = value?.split(',').pop()?.trim()
    if (last !== undefined && last !== '') return last
  }
  return (req.socket.remoteAddress ?? 'unknown').replace(/^::ffff:/, '')
}

function destroySelf(this: Duplex): void {
  this.destroy()
}

function refuseUpgrade(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${text.length + 1}\r\n\r\n${text}\n`)
  socket.destroy()
}

export async function startServer(config: Config, options: ServerOptions = {}): Promise<RunningServer> {
  const log = options.logger ?? createLogger(config.logLevel)
  const tls = config.tlsCert !== null && config.tlsKey !== null
  // With --redis the core is the shared one (redis/): the same requests, answered from Redis.
  // The Redis client is loaded only when asked for: the in-memory default pays nothing for it.
  const store = config.redis === null ? null : await (await import('./redis/store.ts')).RedisStore.connect({
    url: config.redis, prefix: config.redisPrefix, commandTimeout: config.timing.redisTimeout * 1000, peerTtl: config.timing.peerTtl * 1000,
    nodeTtl: config.timing.nodeTtl * 1000, maxInFlight: config.limits.maxRedisInFlight, log, ...(options.wallClock ? { clock: options.wallClock } : {}),
  })
  const shared = store === null ? null : new SharedTracker<Conn>(store, config.limits, config.timing, options.clock, log)
  const tracker = shared ?? new Tracker<Conn>(config.limits, config.timing, options.clock)
  const ws = new WsServer(tracker, log)
  if (shared !== null) shared.messenger = ws
  const http = new HttpTracker(tracker, config.trustProxy)
  const parts: TrackerParts = { tracker, ws, http, udp: null, shared }
  const rate = new MessageRate()
  const metrics = createMetrics(parts, rate)
  const files = new StaticFiles(config.webRoot)
  const startedAt = Date.now()

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '/').split('?', 1)[0] as string
    // Tracker requests first, without the web app's headers: they are the hot path, and bencode.
    if (path === ANNOUNCE_PATH || path === SCRAPE_PATH) return http.serve(req, res, path, clientAddress(req, config.trustProxy))
    securityHeaders(res, tls)
    const json = (status: number, body: unknown): void => {
      res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' })
      res.end(JSON.stringify(body))
    }
    // Degraded is still 200: the node serves its own sockets, and a balancer should keep sending it traffic.
    if (path === '/healthz') return json(200, shared === null || shared.store.status === 'ok' ? { status: 'ok' } : { status: 'degraded', redis: 'unreachable' })
    if (path === '/stats') {
      const withSeeds = (body: Record<string, unknown>): Record<string, unknown> => options.seeds ? { ...body, seeds: options.seeds() } : body
      if (shared === null) return json(200, withSeeds(stats(parts, rate, startedAt, null)))
      shared.sharedCounts().then(
        counts => json(200, withSeeds(stats(parts, rate, startedAt, counts))),
        () => json(200, withSeeds(stats(parts, rate, startedAt, null))),
      )
      return
    }
    if (path === '/config.json') return json(200, webConfig(req))
    if (path === '/metrics') {
      metrics.metrics().then(text => {
        res.writeHead(200, { 'Content-Type': metrics.contentType, 'Cache-Control': 'no-store' })
        res.end(text)
      }, (err: unknown) => {
        log.error('metrics failed', { error: String(err) })
        res.writeHead(500)
        res.end()
      })
      return
    }
    files.serve(req, res, path).catch((err: unknown) => {
      log.error('static file failed', { path, error: String(err) })
      if (!res.headersSent) res.writeHead(500)
      res.end()
    })
  }

  /** What the web app reads at start: "self" becomes ws(s)://<host it was loaded from>/announce. */
  const webConfig = (req: IncomingMessage): { trackers: string[]; iceServers: Config['iceServers'] } => {
    const proto = config.trustProxy ? String(req.headers['x-forwarded-proto'] ?? '').split(',')[0]?.trim() : undefined
    const secure = tls || proto === 'https'
    const host = req.headers.host ?? `localhost:${config.port}`
    const self = `${secure ? 'wss' : 'ws'}://${host}/announce`
    return { trackers: config.trackers.map(t => (t === 'self' ? self : t)), iceServers: config.iceServers }
  }

  const server: Server = tls
    ? createHttpsServer({ cert: readFileSync(config.tlsCert as string), key: readFileSync(config.tlsKey as string) }, onRequest)
    : createHttpServer(onRequest)

  // Plain HTTP: every connection starts on the HTTP tracker's lean path, which hands it to the http
  // server as soon as a request is not a tracker GET it serves (http/lean-connections.ts). The http
  // server's own 'connection' listener (its only one) becomes that hand-off. TLS connections go to
  // the http server directly (requests arrive only after the handshake; a proxy usually ends TLS).
  const httpConnection = server.listeners('connection')
  const lean = tls || httpConnection.length !== 1 ? null : new LeanHttpConnections(http, {
    maxHeadBytes: maxHeaderSize, keepAliveMs: server.keepAliveTimeout, headersTimeoutMs: server.headersTimeout,
    trustProxy: config.trustProxy,
    handOff: socket => (httpConnection[0] as (s: Socket) => void).call(server, socket),
  })
  if (lean !== null) {
    server.removeAllListeners('connection')
    server.on('connection', (socket: Socket) => lean.accept(socket))
  }

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', destroySelf)
    const ip = clientAddress(req, config.trustProxy)
    const problem = handshakeProblem(req)
    if (problem !== null) {
      ws.counters.connectionsRejected++
      return refuseUpgrade(socket, 400, 'Bad Request')
    }
    const origin = req.headers.origin
    if ((config.allowOrigins.length > 0 && (origin === undefined || !config.allowOrigins.includes(origin))) ||
        (origin !== undefined && config.denyOrigins.includes(origin))) {
      ws.counters.connectionsRejected++
      log.debug('origin refused', { ip, origin })
      return refuseUpgrade(socket, 403, 'Forbidden')
    }
    const room = ws.admits(ip)
    if (room !== 'ok') {
      ws.counters.connectionsRejected++
      log.debug('connection refused', { ip, why: room })
      return room === 'full' ? refuseUpgrade(socket, 503, 'Service Unavailable') : refuseUpgrade(socket, 429, 'Too Many Requests')
    }
    // ws puts its own error listener on the socket; two would make the socket keep an array of them.
    socket.off('error', destroySelf)
    ws.upgrade(req, socket, head, ip)
  })
  server.on('clientError', (_err, socket: Duplex) => {
    if ((socket as Socket).writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n')
    socket.destroy()
  })

  // One timer for all periodic work; nothing per socket or per peer.
  const tickMs = 1000
  let sinceHeartbeat = 0
  let sinceExpiry = 0
  const expiryEvery = Math.max(250, Math.min(30_000, (config.timing.peerTtl * 1000) / 4))
  const heartbeatEvery = Math.max(250, config.timing.heartbeat * 1000)
  const timer = setInterval(() => {
    rate.sample(ws.counters.messages, Date.now())
    lean?.sweep(Date.now())
    sinceHeartbeat += tickMs
    sinceExpiry += tickMs
    if (sinceHeartbeat >= heartbeatEvery) {
      sinceHeartbeat = 0
      ws.heartbeat()
    }
    if (sinceExpiry >= expiryEvery) {
      sinceExpiry = 0
      const n = tracker.expire()
      if (n > 0) log.debug('peers expired', { count: n })
      const now = tracker.clock()
      http.buckets.sweep(now)
      parts.udp?.buckets.sweep(now)
    }
  }, Math.min(tickMs, expiryEvery, heartbeatEvery))
  timer.unref()

  try {
    await new Promise<void>((resolvePromise, reject) => {
      server.once('error', reject)
      server.listen(config.port, config.host, () => {
        server.off('error', reject)
        resolvePromise()
      })
    })
  } catch (err) {
    clearInterval(timer)
    await store?.close()
    throw err
  }
  server.on('error', err => log.error('server error', { error: String(err) }))
  const port = (server.address() as AddressInfo).port
  const url = `${tls ? 'https' : 'http'}://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`
  if (config.udpPort !== 0) {
    try {
      const ids = store === null ? null : { secret: store.secret, seconds: () => store.clock() / 1000 }
      parts.udp = await startUdpTracker(tracker, config.udpHost ?? config.host, config.udpPort ?? port, log, config.udpPort === null && config.port === 0, ids)
    } catch (err) {
      server.close()
      clearInterval(timer)
      await store?.close()
      throw err
    }
  }
  const udp = parts.udp

  let closing: Promise<void> | null = null
  const close = (): Promise<void> => {
    closing ??= new Promise<void>(resolvePromise => {
      clearInterval(timer)
      ws.closeAll()
      lean?.closeAll()
      udp?.close()
      server.close(() => {
        if (store === null) return resolvePromise()
        store.close().then(resolvePromise, resolvePromise)
      })
      server.closeAllConnections()
    })
    return closing
  }
  return { port, url, udpPort: udp?.port ?? null, leanHttp: lean, tracker, ws, http, udp, shared, close }
}
