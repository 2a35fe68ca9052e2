import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { LinkConditions } from './link.ts'
import { UdpRelay, type RelayStats } from './udp-relay.ts'

// The relay in its own process, so its event loop is not the benchmark driver's (Playwright's
// traffic would add jitter of its own) and its CPU is counted apart from Chromium's. The parent asks
// for stand-ins and stats over the IPC channel; the child ends with its parent.

export interface RelayHandle {
  readonly conditions: LinkConditions
  standIn(address: string, port: number): Promise<{ address: string; port: number }>
  /** Link counters and the relay process's own CPU seconds so far. */
  stats(): Promise<RelayStats & { cpuSeconds: number }>
  close(): Promise<void>
}

type Ask = { op: 'standIn'; address: string; port: number } | { op: 'stats' }
type Request = Ask & { id: number }
type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string }

export async function startRelayProcess(conditions: LinkConditions, seed = 1): Promise<RelayHandle> {
  const child = fork(fileURLToPath(import.meta.url), ['--relay-child'], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, SWARMDROP_RELAY: JSON.stringify({ conditions, seed }) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const pending = new Map<number, { ok: (v: unknown) => void; fail: (e: Error) => void }>()
  let nextId = 1
  child.on('message', (m: Reply) => {
    const p = pending.get(m.id)
    pending.delete(m.id)
    if (m.ok) p?.ok(m.value)
    else p?.fail(new Error(m.error))
  })
  child.on('exit', () => {
    for (const p of pending.values()) p.fail(new Error('the relay process exited'))
    pending.clear()
  })
  await new Promise<void>((ok, fail) => {
    child.once('message', () => ok())
    child.once('error', fail)
    child.once('exit', (code) => fail(new Error(`the relay process exited (${code}) before it was ready`)))
  })
  const ask = <T>(r: Ask): Promise<T> =>
    new Promise<T>((ok, fail) => {
      const id = nextId++
      pending.set(id, { ok: ok as (v: unknown) => void, fail })
      child.send({ ...r, id })
    })
  return {
    conditions,
    standIn: (address, port) => ask({ op: 'standIn', address, port }),
    stats: () => ask({ op: 'stats' }),
    close: () => stop(child),
  }
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve()
  return new Promise((ok) => {
    child.once('exit', () => ok())
    child.kill()
  })
}

if (process.argv.includes('--relay-child') && process.send) {
  const { conditions, seed } = JSON.parse(process.env.SWARMDROP_RELAY ?? '{}') as { conditions: LinkConditions; seed: number }
  // One relay serves every run of a condition, and every RTCPeerConnection's host candidates become
  // stand-ins that stay: swarmdrop's lanes (several connections per peer pair) passed the default 256
  // in a 4-round run. Still a bound for a run gone wrong.
  const relay = new UdpRelay({ conditions, seed, maxStandIns: 4096 })
  process.on('disconnect', () => {
    relay.close()
    process.exit(0)
  })
  process.on('message', (r: Request) => {
    const reply = (value: unknown) => process.send?.({ id: r.id, ok: true, value } satisfies Reply)
    const fail = (e: unknown) => process.send?.({ id: r.id, ok: false, error: e instanceof Error ? e.message : String(e) } satisfies Reply)
    if (r.op === 'standIn') relay.standIn(r.address, r.port).then(reply, fail)
    else {
      const cpu = process.cpuUsage()
      reply({ ...relay.stats(), cpuSeconds: (cpu.user + cpu.system) / 1e6 })
    }
  })
  process.send({ id: 0, ok: true, value: 'ready' } satisfies Reply)
}
