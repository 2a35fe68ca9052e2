// One tracker under test, in its own process, serving WebSocket, HTTP and UDP announces:
//   swarmdrop            ours, from this checkout
//   swarmdrop-before     ours from another checkout (BENCH_BEFORE=<dir>, e.g. a git worktree of an
//                        older commit with node_modules linked): before/after figures in one run
//   bittorrent-tracker   the anchor (its server serves all three protocols too)
//   ws-floor             a bare `ws` server (noServer, no deflate, no client tracking) that answers
//                        every message with a fixed announce reply and keeps nothing: the floor any
//                        tracker on `ws` pays per idle WebSocket peer (BENCH_TRACKERS=ws-floor,...)
//   floor                the same bare `ws` server, plus HTTP announces answered on the raw socket with a
//                        fixed reply (no parsing, nothing kept: what our lean path does minus the tracker)
//                        and UDP connects and announces answered with fixed packets of the size ours
//                        sends (no connection-id check): the least CPU per announce any tracker in Node
//                        pays on this machine (BENCH_TRACKERS=bittorrent-tracker,swarmdrop,floor)
// The bench talks to it over IPC: 'usage' -> CPU time and memory (after a full GC when asked).
// Run with --expose-gc so memory is measured after collection, the same way for both.

import type { AddressInfo } from 'node:net'
import { pathToFileURL } from 'node:url'
import { getHeapSpaceStatistics } from 'node:v8'

const kind = process.argv[2]
// Ours only: a Redis URL shares its swarms there (--redis), as a node of a cluster (bench --scale).
const redisUrl = process.argv[3]
const gc = (globalThis as { gc?: () => void }).gc

/** `httpPort`: where HTTP announces go, when not `port` (the floor's raw HTTP server). */
interface Started { port: number; udpPort: number | null; httpPort?: number }

interface OurServer { port: number; udpPort?: number | null }
interface OurModules {
  defaultConfig(): { port: number; host: string; webRoot: string; udpPort?: number | null; limits: Record<string, number>; redis?: string | null; redisPrefix?: string }
  startServer(config: unknown, options: { logger: unknown }): Promise<OurServer>
  createLogger(level: string): unknown
}

async function loadOurs(root: string): Promise<OurModules> {
  const at = (f: string): string => pathToFileURL(`${root}/tracker/${f}`).href
  const [config, server, log] = await Promise.all([import(at('config.ts')), import(at('server.ts')), import(at('log.ts'))])
  return { defaultConfig: config.defaultConfig, startServer: server.startServer, createLogger: log.createLogger } as OurModules
}

async function startOurs(root: string): Promise<Started> {
  const m = await loadOurs(root)
  const config = m.defaultConfig()
  config.port = 0
  config.host = '127.0.0.1'
  config.webRoot = '/nonexistent'
  // The load generator is one address sending far faster than any client would: lift the rate limits
  // and the per-address connection cap (all other limits stay on).
  config.limits.messagesPerSecond = 1_000_000
  config.limits.messageBurst = 1_000_000
  config.limits.maxConnectionsPerIp = 0
  config.limits.requestsPerSecondPerIp = 1_000_000_000
  config.limits.requestBurstPerIp = 1_000_000_000
  if (redisUrl !== undefined && redisUrl !== '') {
    config.redis = redisUrl
    config.redisPrefix = `bench${process.pid}:`
  }
  const server = await m.startServer(config, { logger: m.createLogger('warn') })
  return { port: server.port, udpPort: server.udpPort ?? null }
}

interface BtServer {
  on(e: string, f: (x: unknown) => void): void
  listen(port: object, host: object, cb: () => void): void
  http: { address(): AddressInfo | string }
  udp4: { address(): AddressInfo }
}

async function startBittorrentTracker(): Promise<Started> {
  // bittorrent-tracker ships no types; a variable specifier keeps tsc from looking for them.
  const spec = 'bittorrent-tracker/server'
  const Server = ((await import(spec)) as { default: new (o: object) => BtServer }).default
  const server = new Server({ udp: true, http: true, ws: true, stats: false })
  server.on('error', (err: unknown) => console.error('bittorrent-tracker error', err))
  server.on('warning', () => {})
  await new Promise<void>(resolve => server.listen({ http: 0, udp: 0 }, { http: '127.0.0.1', udp: '127.0.0.1', udp6: '::1' }, () => resolve()))
  return { port: (server.http.address() as AddressInfo).port, udpPort: server.udp4.address().port }
}

async function startWsFloor(): Promise<Started> {
  const { createServer } = await import('node:http')
  const { WebSocketServer } = await import('ws')
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, clientTracking: false, maxPayload: 64 * 1024 })
  const server = createServer((_req, res) => res.end())
  server.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, ws => {
    ws.on('message', (data: Buffer) => {
      const m = JSON.parse(data.toString()) as { info_hash?: string }
      ws.send(`{"action":"announce","interval":120,"info_hash":${JSON.stringify(m.info_hash ?? '')},"complete":0,"incomplete":1}`)
    })
  }))
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return { port: (server.address() as AddressInfo).port, udpPort: null }
}

/** A compact peer list as ours answers a member of a swarm of 20 (19 others). */
const FLOOR_PEERS = Buffer.alloc(19 * 6, 7)
const FLOOR_BODY = Buffer.concat([Buffer.from(`d8:completei0e10:incompletei20e8:intervali120e12:min intervali60e5:peers${FLOOR_PEERS.length}:`, 'latin1'), FLOOR_PEERS, Buffer.from('e')])
const FLOOR_REPLY = Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${FLOOR_BODY.length}\r\n\r\n`, 'latin1'), FLOOR_BODY])

async function startFloor(): Promise<Started> {
  const ws = await startWsFloor()
  const net = await import('node:net')
  const { createSocket } = await import('node:dgram')
  // HTTP on the ws floor's port would go through Node's http server; a raw server of its own instead,
  // as our lean path answers announces (tracker/http/lean-connections.ts), one reply per request head.
  const http = net.createServer(socket => {
    socket.setNoDelay(true)
    socket.on('data', (d: Buffer) => {
      let n = 0
      for (let at = d.indexOf('\r\n\r\n'); at !== -1; at = d.indexOf('\r\n\r\n', at + 4)) n++
      if (n === 1) socket.write(FLOOR_REPLY)
      else if (n > 1) socket.write(Buffer.concat(Array.from({ length: n }, () => FLOOR_REPLY)))
    })
    socket.on('error', () => {})
  })
  await new Promise<void>(resolve => http.listen(0, '127.0.0.1', resolve))
  const udp = createSocket('udp4')
  const connectReply = Buffer.alloc(16)
  const announceReply = Buffer.alloc(20 + FLOOR_PEERS.length)
  announceReply.writeUInt32BE(1, 0)
  announceReply.writeUInt32BE(120, 8)
  announceReply.writeUInt32BE(20, 16)
  FLOOR_PEERS.copy(announceReply, 20)
  udp.on('message', (m: Buffer, from) => {
    if (m.length < 16) return
    const action = m.readUInt32BE(8)
    const reply = action === 0 ? connectReply : action === 1 ? announceReply : null
    if (reply === null) return
    m.copy(reply, 4, 12, 16) // the transaction id
    udp.send(reply, from.port, from.address)
  })
  await new Promise<void>(resolve => udp.bind(0, '127.0.0.1', resolve))
  return { port: ws.port, udpPort: udp.address().port, httpPort: (http.address() as AddressInfo).port }
}

async function start(): Promise<Started> {
  if (kind === 'floor') return startFloor()
  if (kind === 'ws-floor') return startWsFloor()
  if (kind === 'swarmdrop') return startOurs(new URL('../..', import.meta.url).pathname)
  if (kind === 'swarmdrop-before') {
    const dir = process.env.BENCH_BEFORE
    if (dir === undefined || dir === '') throw new Error('swarmdrop-before needs BENCH_BEFORE=<checkout dir>')
    return startOurs(dir)
  }
  if (kind === 'bittorrent-tracker') return startBittorrentTracker()
  throw new Error(`unknown tracker kind ${kind}`)
}

const started = await start()
process.on('message', (msg: unknown) => {
  const m = msg as { cmd: string; gc?: boolean }
  if (m.cmd !== 'usage') return
  if (m.gc === true && gc !== undefined) for (let i = 0; i < 3; i++) gc()
  // Committed size of each V8 heap space too: after a burst of connections the new space stays grown
  // for a while, committed but unused, and counts in RSS like anything else.
  const spaces = Object.fromEntries(getHeapSpaceStatistics().map(s => [s.space_name, s.space_size]))
  process.send?.({ cpu: process.cpuUsage(), memory: process.memoryUsage(), spaces })
})
process.on('disconnect', () => process.exit(0))
// An orderly exit on the bench's SIGTERM, so that a --cpu-prof profile gets written (BENCH_CPU_PROF).
process.on('SIGTERM', () => process.exit(0))
process.send?.(started)
