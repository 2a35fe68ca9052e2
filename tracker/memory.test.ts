// After 5,000 sockets connect, announce (with offers) and close, the tracker's heap returns near its
// baseline: nothing per socket or per peer outlives the socket. The tracker runs in a child process
// with --expose-gc so its heap is measured alone.

import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { Client, announce, id, offers } from './test-support/harness.ts'

type Report = { heapUsed: number; connections: number; swarms: number }
let child: ChildProcess
let port = 0

function ask(): Promise<Report> {
  return new Promise(resolve => {
    child.once('message', m => resolve(m as Report))
    child.send('measure')
  })
}

beforeAll(async () => {
  child = fork(fileURLToPath(new URL('./test-support/memory-child.ts', import.meta.url)), [], {
    execArgv: ['--expose-gc', '--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  port = await new Promise<number>(resolve => child.once('message', m => resolve((m as { port: number }).port)))
})
afterAll(() => {
  child.kill()
})

async function wave(count: number): Promise<Client[]> {
  const clients: Client[] = []
  for (let start = 0; start < count; start += 500) {
    const batch = await Promise.all(Array.from({ length: Math.min(500, count - start) }, () => Client.open(`ws://127.0.0.1:${port}/announce`)))
    await Promise.all(batch.map((c, i) => c.request(announce(id(`swarm${(start + i) % 100}`), id(`peer${start + i}`), { offers: offers(2, `w${start + i}`) }), 10_000)))
    clients.push(...batch)
  }
  return clients
}

async function closeAll(clients: Client[]): Promise<void> {
  await Promise.all(clients.map(c => c.close()))
  for (let i = 0; i < 100 && (await ask()).connections > 0; i++) await new Promise(r => setTimeout(r, 50))
}

it('returns near its baseline heap after 5,000 sockets connect, announce and close', async () => {
  await closeAll(await wave(500)) // warm up code paths and ws internals
  const baseline = await ask()
  const clients = await wave(5000)
  const peak = await ask()
  expect(peak.connections).toBe(5000)
  expect(peak.swarms).toBe(100)
  await closeAll(clients)
  const after = await ask()
  expect(after.connections).toBe(0)
  expect(after.swarms).toBe(0)
  const grew = peak.heapUsed - baseline.heapUsed
  const left = after.heapUsed - baseline.heapUsed
  console.log(`heap: baseline ${(baseline.heapUsed / 1e6).toFixed(1)} MB, 5000 sockets +${(grew / 1e6).toFixed(1)} MB, after close +${(left / 1e6).toFixed(2)} MB`)
  expect(grew).toBeGreaterThan(2_000_000) // the measurement sees the sockets at all
  expect(left).toBeLessThan(Math.max(1_500_000, grew * 0.08))
}, 180_000) // generous: 5,000 sockets on a busy 2-core machine
