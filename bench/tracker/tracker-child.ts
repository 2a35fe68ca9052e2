// One tracker under test, in its own process: `swarmdrop` (ours) or `bittorrent-tracker` (the anchor).
// The bench talks to it over IPC: 'usage' -> CPU time and memory (after a full GC when asked).
// Run with --expose-gc so memory is measured after collection, the same way for both.

import type { AddressInfo } from 'node:net'
import { defaultConfig } from '../../tracker/config.ts'
import { createLogger } from '../../tracker/log.ts'
import { startServer } from '../../tracker/server.ts'

const kind = process.argv[2]
const gc = (globalThis as { gc?: () => void }).gc

async function start(): Promise<number> {
  if (kind === 'swarmdrop') {
    const config = defaultConfig()
    config.port = 0
    config.host = '127.0.0.1'
    config.webRoot = '/nonexistent'
    // The load generator is one address sending far faster than a browser would: lift the
    // per-socket rate limit and the per-address connection cap (all other limits stay on).
    config.limits.messagesPerSecond = 1_000_000
    config.limits.messageBurst = 1_000_000
    config.limits.maxConnectionsPerIp = 0
    const server = await startServer(config, { logger: createLogger('warn') })
    return server.port
  }
  if (kind === 'bittorrent-tracker') {
    // bittorrent-tracker ships no types; a variable specifier keeps tsc from looking for them.
    const spec = 'bittorrent-tracker/server'
    const Server = ((await import(spec)) as { default: new (o: object) => BtServer }).default
    const server = new Server({ udp: false, http: false, ws: true, stats: false })
    server.on('error', (err: unknown) => console.error('bittorrent-tracker error', err))
    server.on('warning', () => {})
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', () => resolve()))
    return (server.ws.address() as AddressInfo).port
  }
  throw new Error(`unknown tracker kind ${kind}`)
}

interface BtServer {
  on(e: string, f: (x: unknown) => void): void
  listen(port: number, host: string, cb: () => void): void
  ws: { address(): AddressInfo | string }
}

const port = await start()
process.on('message', (msg: unknown) => {
  const m = msg as { cmd: string; gc?: boolean }
  if (m.cmd !== 'usage') return
  if (m.gc === true && gc !== undefined) for (let i = 0; i < 3; i++) gc()
  process.send?.({ cpu: process.cpuUsage(), memory: process.memoryUsage() })
})
process.on('disconnect', () => process.exit(0))
process.send?.({ port })
