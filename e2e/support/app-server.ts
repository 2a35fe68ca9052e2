import { spawn, type ChildProcess } from 'node:child_process'
import { createSocket } from 'node:dgram'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'

/** Peers on loopback need no STUN, and on a closed network a STUN lookup only stalls ICE gathering. */
export const NO_STUN = ['--ice-servers-json', '[]']

const repoRoot = fileURLToPath(new URL('../..', import.meta.url))

/** A free TCP port on loopback, chosen by the OS. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.unref()
    srv.on('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address()
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))))
    })
  })
}

/** A free UDP port on loopback, chosen by the OS. */
export async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4')
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve))
  const port = socket.address().port
  await new Promise<void>((resolve) => socket.close(resolve))
  return port
}

export interface AppServer {
  port: number
  /** The UDP tracker's port (BEP 15). */
  udpPort: number
  url: string
  process: ChildProcess
  output: () => string
  stop: () => Promise<void>
}

/**
 * Starts the real product as `npm start` runs it (tracker + web app on one port), as a separate
 * process: e2e tests talk to it only over HTTP and WebSocket, like a browser would.
 */
export async function startAppServer(options: { port?: number; args?: string[]; env?: Record<string, string>; startTimeoutMs?: number } = {}): Promise<AppServer> {
  const port = options.port ?? (await freePort())
  // The UDP tracker's default port is the TCP port's number, which another process may hold over UDP.
  const udpPort = await freeUdpPort()
  const child = spawn(process.execPath, ['--import', 'tsx', 'tracker/main.ts', '--port', String(port), '--udp-port', String(udpPort), '--host', '127.0.0.1', ...NO_STUN, ...(options.args ?? [])], {
    cwd: repoRoot,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let log = ''
  const collect = (b: Buffer) => {
    log = (log + b.toString()).slice(-64 * 1024)
  }
  child.stdout.on('data', collect)
  child.stderr.on('data', collect)
  await new Promise<void>((resolve, reject) => {
    const ms = options.startTimeoutMs ?? 20_000
    const timer = setTimeout(() => reject(new Error(`tracker did not start within ${ms / 1000} s:\n${log}`)), ms)
    const check = () => {
      if (log.includes('swarmdrop listening on')) {
        clearTimeout(timer)
        resolve()
      }
    }
    child.stdout.on('data', check)
    child.stderr.on('data', check)
    child.on('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`tracker exited with ${code} before listening:\n${log}`))
    })
  })
  return {
    port,
    udpPort,
    url: `http://127.0.0.1:${port}`,
    process: child,
    output: () => log,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
        setTimeout(() => child.kill('SIGKILL'), 5_000).unref()
      }),
  }
}
