// The bench's child processes: the tracker under test and the load generators, each in its own
// process (node --expose-gc, tsx), driven over IPC with one request and one reply at a time.

import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const here = (f: string): string => fileURLToPath(new URL(f, import.meta.url))

export interface Usage {
  cpu: NodeJS.CpuUsage
  memory: NodeJS.MemoryUsage
  /** Committed bytes of each V8 heap space (new_space, old_space, ...). */
  spaces: Record<string, number>
}

/** What a load generator reports for one command. */
export interface GenResult { ok: boolean; error?: string; counts: Record<string, number>; cpuMs: number; wallMs: number; clients: number }

export class Child {
  private constructor(readonly proc: ChildProcess) {}

  static async start(script: string, args: string[]): Promise<{ child: Child; hello: Record<string, unknown> }> {
    // BENCH_CPU_PROF=<dir>: the tracker under test writes a V8 CPU profile there when it stops.
    const profile = script === 'tracker-child.ts' && process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []
    const proc = fork(here(script), args, { execArgv: ['--expose-gc', '--import', 'tsx', ...profile], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    const hello = await new Promise<Record<string, unknown>>((resolve, reject) => {
      proc.once('message', m => resolve(m as Record<string, unknown>))
      proc.once('exit', code => reject(new Error(`${script} exited with ${code}`)))
    })
    return { child: new Child(proc), hello }
  }

  ask<T>(msg: object): Promise<T> {
    return new Promise(resolve => {
      this.proc.once('message', m => resolve(m as T))
      this.proc.send(msg)
    })
  }

  /** A load generator command; throws what the generator reported as an error. */
  async gen(msg: object): Promise<GenResult> {
    const r = await this.ask<GenResult>(msg)
    if (!r.ok) throw new Error(`load generator: ${r.error}`)
    return r
  }

  usage(gc = false): Promise<Usage> {
    return this.ask<Usage>({ cmd: 'usage', gc })
  }

  stop(): Promise<void> {
    return new Promise(resolve => {
      if (this.proc.exitCode !== null) return resolve()
      this.proc.once('exit', () => resolve())
      this.proc.kill('SIGTERM')
    })
  }
}

/** Where a tracker under test listens. */
export interface Endpoints { ws: string; http: string; udpHost: string; udpPort: number | null }

/** A fresh tracker process of `kind` and a fresh load generator (`loadgen`), stopped afterwards. */
export async function withTracker<T>(kind: string, loadgen: string, body: (t: Child, g: Child, at: Endpoints) => Promise<T>): Promise<T> {
  const { child: t, hello } = await Child.start('tracker-child.ts', [kind])
  const { child: g } = await Child.start(loadgen, [])
  const port = Number(hello.port)
  try {
    return await body(t, g, {
      ws: `ws://127.0.0.1:${port}/announce`,
      http: `http://127.0.0.1:${typeof hello.httpPort === 'number' ? hello.httpPort : port}/announce`,
      udpHost: '127.0.0.1',
      udpPort: typeof hello.udpPort === 'number' ? hello.udpPort : null,
    })
  } finally {
    await g.stop()
    await t.stop()
  }
}

export const cpuMs = (a: NodeJS.CpuUsage, b: NodeJS.CpuUsage): number => (b.user - a.user + b.system - a.system) / 1000
export const sleep = (ms: number): Promise<void> => new Promise(r => setTimeout(r, ms))

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  if (s.length === 0) return NaN
  return s.length % 2 === 1 ? (s[(s.length - 1) / 2] as number) : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2
}
