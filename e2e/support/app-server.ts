import { spawn, type ChildProcess } from 'node:child_process'
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

export interface AppServer {
  port: number
  url: string
  process: ChildProcess
  output: () => string
  stop: () => Promise<void>
}

/**
 * Starts the real product as `npm start` runs it (tracker + web app on one port), as a separate
 * process: e2e tests talk to it only over HTTP and WebSocket, like a browser would.
 */
export async function startAppServer(options: { port?: number; args?: string[]; env?: Record<string, string> } = {}): Promise<AppServer> {
  const port = options.port ?? (await freePort())
  const child = spawn(process.execPath, ['--import', 'tsx', 'tracker/main.ts', '--port', String(port), '--host', '127.0.0.1', ...NO_STUN, ...(options.args ?? [])], {
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
    const timer = setTimeout(() => reject(new Error(`tracker did not start within 20 s:\n${log}`)), 20_000)
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
    url: `http://127.0.0.1:${port}`,
    process: child,
    output: () => log,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
        setTimeout(() => child.kill('SIGKILL'), 5_000).unref()
      }),
  }
}
