import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

// Child processes for the interop tests: our CLI (as a user runs it), aria2c and a libtorrent peer.
// Each keeps the tail of its output for the failure message, and is killed at the end of the test.

const repoRoot = fileURLToPath(new URL('../..', import.meta.url))
export const ARIA2C = '/usr/bin/aria2c'
export const DEBIAN_PYTHON = '/usr/bin/python3'

export class Proc {
  readonly child: ChildProcess
  readonly exited: Promise<number>
  /** Every complete stdout line parsed as JSON (lines that are not JSON are kept in `output`). */
  readonly json: Record<string, unknown>[] = []
  #log = ''

  constructor(cmd: string, args: string[], cwd = repoRoot) {
    this.child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] })
    let pending = ''
    this.child.stdout!.on('data', (b: Buffer) => {
      this.#keep(b)
      pending += b.toString()
      const lines = pending.split('\n')
      pending = lines.pop()!
      for (const l of lines) {
        try {
          this.json.push(JSON.parse(l) as Record<string, unknown>)
        } catch {
          // not a JSON line
        }
      }
    })
    this.child.stderr!.on('data', (b: Buffer) => this.#keep(b))
    this.exited = new Promise((resolve) => this.child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1))))
  }

  get output(): string {
    return this.#log
  }

  /** The first JSON line matching, waiting up to `ms`. */
  async waitFor(match: (line: Record<string, unknown>) => boolean, ms = 60_000): Promise<Record<string, unknown>> {
    const start = Date.now()
    for (;;) {
      const found = this.json.find(match)
      if (found) return found
      if (this.child.exitCode !== null) throw new Error(`process exited (${this.child.exitCode}) before the line came:\n${this.#log}`)
      if (Date.now() - start > ms) throw new Error(`timed out waiting for a line:\n${this.#log}`)
      await new Promise((r) => setTimeout(r, 100))
    }
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): Promise<number> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal)
    return this.exited
  }

  #keep(b: Buffer): void {
    this.#log = (this.#log + b.toString()).slice(-16 * 1024)
  }
}

/** The CLI from its TypeScript sources (node + tsx, no npm in between, so a signal reaches the CLI itself). */
export function cli(...args: string[]): Proc {
  return new Proc(process.execPath, ['--import', 'tsx', 'cli/main.ts', ...args])
}

/** `npm run cli -- ...` as a user runs it (bin/swarmdrop: the esbuild bundle under plain node), without
 *  npm in between: the launcher execs node, so the child's pid is the CLI's (the bench reads its /proc). */
export function bundledCli(...args: string[]): Proc {
  return new Proc('/bin/sh', [fileURLToPath(new URL('../../bin/swarmdrop', import.meta.url)), ...args])
}

/** aria2c on loopback only (no DHT, LPD or PEX), seeding (`--seed-ratio=0.0`: until killed) or downloading (exits when done). */
export function aria2c(o: { torrent: string; dir: string; port: number; seed: boolean; extra?: string[] }): Proc {
  return new Proc(ARIA2C, [
    `--dir=${o.dir}`,
    `--listen-port=${o.port}`,
    '--enable-dht=false',
    '--enable-dht6=false',
    '--bt-enable-lpd=false',
    '--enable-peer-exchange=false',
    '--summary-interval=0',
    '--console-log-level=warn',
    '--check-integrity=true',
    '--bt-stop-timeout=120',
    ...(o.seed ? ['--seed-ratio=0.0'] : ['--seed-time=0']),
    ...(o.extra ?? []),
    o.torrent,
  ])
}

/** libtorrent (Debian's python3-libtorrent) through node/interop/libtorrent-peer.py. */
export function libtorrentPeer(o: { mode: 'seed' | 'download'; torrent: string; dir: string; port: number }): Proc {
  return new Proc(DEBIAN_PYTHON, [fileURLToPath(new URL('./libtorrent-peer.py', import.meta.url)), o.mode, o.torrent, o.dir, String(o.port)])
}
