import { createReadStream, existsSync, statSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { extname, join, normalize } from 'node:path'
// @ts-expect-error: bittorrent-tracker ships no types
import TrackerServer from 'bittorrent-tracker/server'
import { startAppServer } from '../support/app-server.ts'

// Node-side servers for the web/lib specs: a static server for the harness page, the
// bittorrent-tracker package's WebSocket tracker, and (when tracker/main.ts exists) ours.

export interface Running {
  url: string
  port: number
  close(): Promise<void>
}

const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.map': 'application/json', '.json': 'application/json', '.wasm': 'application/wasm' }

export async function serveStatic(dir: string, config: unknown = { trackers: [], iceServers: [] }): Promise<Running> {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)
    if (path === '/config.json') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(config))
      return
    }
    const file = normalize(join(dir, path === '/' ? 'index.html' : path))
    if (!file.startsWith(dir) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end()
      return
    }
    res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' })
    createReadStream(file).pipe(res)
  })
  const port = await listen(server, 0)
  return { url: `http://127.0.0.1:${port}/`, port, close: () => closeServer(server) }
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((ok, fail) => {
    server.once('error', fail)
    server.listen(port, '127.0.0.1', () => ok((server.address() as AddressInfo).port))
  })
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections()
  return new Promise((ok) => server.close(() => ok()))
}

export interface BtTracker extends Running {
  /** Announce events the server saw, in order: 'start', 'update', 'complete', 'stop'. */
  events: string[]
  /** WebSocket connections ever accepted, and those open now. */
  connections: { total: number; open: Set<{ terminate(): void }> }
}

/** bittorrent-tracker 11's server, WebSocket only. It tells ws clients intervalMs/5 (default 600 s -> 120 s). `port` 0 picks one; pass a port to restart on it. */
export async function startBittorrentTracker(options: { port?: number; intervalMs?: number; filter?: (infoHash: string, params: unknown, cb: (err: Error | null) => void) => void } = {}): Promise<BtTracker> {
  const server = new TrackerServer({ udp: false, http: false, ws: true, stats: false, interval: options.intervalMs, filter: options.filter })
  await new Promise<void>((ok, fail) => {
    server.once('error', fail)
    server.listen(options.port ?? 0, '127.0.0.1', () => ok())
  })
  const port = (server.ws.address() as AddressInfo).port
  const connections = { total: 0, open: new Set<{ terminate(): void; once(e: string, f: () => void): void }>() }
  server.ws.on('connection', (socket: { terminate(): void; once(e: string, f: () => void): void }) => {
    connections.total++
    connections.open.add(socket)
    socket.once('close', () => connections.open.delete(socket))
  })
  const events: string[] = []
  for (const e of ['start', 'update', 'complete', 'stop']) server.on(e, () => events.push(e))
  return {
    url: `ws://127.0.0.1:${port}`,
    port,
    events,
    connections,
    close: () =>
      new Promise<void>((ok) => {
        for (const c of connections.open) c.terminate()
        server.http.closeAllConnections?.()
        server.close(() => ok())
      }),
  }
}

/**
 * Our tracker process, as `npm start` runs it (e2e/support/app-server.ts), in the shape these specs
 * use: the WebSocket announce URL, the page URL, and close().
 */
export async function startOurTracker(port = 0, extraArgs: string[] = []): Promise<Running & { httpUrl: string }> {
  const server = await startAppServer({ ...(port ? { port } : {}), args: extraArgs })
  return { url: `ws://127.0.0.1:${server.port}/announce`, httpUrl: `${server.url}/`, port: server.port, close: server.stop }
}
