// A real redis-server (Debian's; .ci/run installs it) for the tests of the shared tracker: its own
// process on a free loopback port, nothing saved to disk, a temporary directory, stopped (or killed
// and restarted on the same port, as an outage) by the test.

import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from '../../e2e/support/app-server.ts'
import { requireTool } from '../../shared/metainfo/test-support/tools.ts'

export const REDIS_SERVER = '/usr/bin/redis-server'

export class RedisServer {
  private child: ChildProcess | null = null
  private log = ''

  private constructor(readonly port: number, readonly dir: string) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`
  }

  get pid(): number | undefined {
    return this.child?.pid
  }

  /** Start one on a free port (or `port`). */
  static async start(port?: number): Promise<RedisServer> {
    requireTool(REDIS_SERVER, 'redis-server')
    const server = new RedisServer(port ?? (await freePort()), mkdtempSync(join(tmpdir(), 'swarmdrop-redis-test-')))
    await server.run()
    return server
  }

  /** (Re)start the process on the same port, empty (nothing is saved). */
  async run(): Promise<void> {
    const child = spawn(REDIS_SERVER, [
      '--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.dir, '--loglevel', 'warning',
    ], { stdio: ['ignore', 'pipe', 'pipe'] })
    this.child = child
    this.log = ''
    const collect = (b: Buffer): void => { this.log = (this.log + b.toString()).slice(-8000) }
    child.stdout?.on('data', collect)
    child.stderr?.on('data', collect)
    // Ready when it accepts a connection (polled: --loglevel warning prints nothing on success).
    const deadline = Date.now() + 20_000
    for (;;) {
      if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}:\n${this.log}`)
      if (await accepts(this.port)) return
      if (Date.now() > deadline) throw new Error(`redis-server did not start within 20 s:\n${this.log}`)
      await new Promise(r => setTimeout(r, 50))
    }
  }

  /** Kill it at once (SIGKILL: an outage, not a shutdown). */
  async kill(): Promise<void> {
    const child = this.child
    if (child === null || child.exitCode !== null) return
    await new Promise<void>(resolve => {
      child.once('exit', () => resolve())
      child.kill('SIGKILL')
    })
  }

  async stop(): Promise<void> {
    await this.kill()
    rmSync(this.dir, { recursive: true, force: true })
  }
}

async function accepts(port: number): Promise<boolean> {
  const { createConnection } = await import('node:net')
  return new Promise(resolve => {
    const s = createConnection({ port, host: '127.0.0.1' })
    s.once('connect', () => {
      // A PING proves it is redis answering, not merely a listening socket.
      s.write('PING\r\n')
      s.once('data', d => { s.destroy(); resolve(d.toString().startsWith('+PONG')) })
    })
    s.once('error', () => resolve(false))
  })
}
