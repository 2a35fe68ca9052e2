import { createSocket, type Socket } from 'node:dgram'
import { performance } from 'node:perf_hooks'
import { afterEach, describe, expect, it } from 'vitest'
import { UdpRelay } from './udp-relay.ts'

// The relay measured through itself with plain UDP sockets on loopback: two endpoints that only know
// each other's stand-ins, as two WebRTC peers do after their candidates were rewritten.

const sockets: Socket[] = []
const relays: UdpRelay[] = []
afterEach(() => {
  for (const s of sockets.splice(0)) s.close()
  for (const r of relays.splice(0)) r.close()
})

async function endpoint(): Promise<{ socket: Socket; port: number }> {
  const socket = createSocket('udp4')
  sockets.push(socket)
  await new Promise<void>((ok) => socket.bind(0, '127.0.0.1', ok))
  return { socket, port: socket.address().port }
}

/** A relay and two endpoints a, b; each gets the other's stand-in port. */
async function pair(conditions: ConstructorParameters<typeof UdpRelay>[0]['conditions'], seed = 7) {
  const relay = new UdpRelay({ conditions, seed })
  relays.push(relay)
  const a = await endpoint()
  const b = await endpoint()
  const aVia = await relay.standIn('127.0.0.1', a.port)
  const bVia = await relay.standIn('127.0.0.1', b.port)
  return { relay, a, b, aVia, bVia }
}

describe('UdpRelay', () => {
  it('delivers both ways through stand-ins, and the far end sees the sender at its stand-in', async () => {
    const { a, b, aVia, bVia } = await pair({ delayMs: 0, jitterMs: 0, loss: 0 })
    const atB = new Promise<{ text: string; port: number }>((ok) => b.socket.once('message', (m, r) => ok({ text: m.toString(), port: r.port })))
    a.socket.send('ping', bVia.port, '127.0.0.1')
    const got = await atB
    expect(got).toEqual({ text: 'ping', port: aVia.port })
    const atA = new Promise<string>((ok) => a.socket.once('message', (m) => ok(m.toString())))
    b.socket.send('pong', got.port, '127.0.0.1')
    expect(await atA).toBe('pong')
  })

  it('adds the set delay each way: a round trip takes at least twice the one-way delay', async () => {
    const { a, b, bVia } = await pair({ delayMs: 40, jitterMs: 0, loss: 0 })
    b.socket.on('message', (m, r) => b.socket.send(m, r.port, r.address)) // echo
    const rtts: number[] = []
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now()
      const back = new Promise<void>((ok) => a.socket.once('message', () => ok()))
      a.socket.send(`ping ${i}`, bVia.port, '127.0.0.1')
      await back
      rtts.push(performance.now() - t0)
    }
    for (const rtt of rtts) expect(rtt).toBeGreaterThanOrEqual(79)
    // Not an upper bound on a loaded machine; only that it is a delay, not a hang.
    expect(Math.min(...rtts)).toBeLessThan(5_000)
  })

  it('drops the set share of datagrams (seeded, so the count repeats), and counts them', async () => {
    const { relay, a, b, bVia } = await pair({ delayMs: 0, jitterMs: 0, loss: 0.1 }, 42)
    let received = 0
    b.socket.on('message', () => received++)
    const n = 2000
    for (let i = 0; i < n; i++) {
      a.socket.send(Buffer.alloc(100, i & 0xff), bVia.port, '127.0.0.1')
      if (i % 100 === 99) await new Promise((ok) => setTimeout(ok, 5)) // stay under the socket buffers
    }
    const lost = () => relay.stats().links.reduce((s, l) => s + l.counters.lost, 0)
    const arrived = () => relay.stats().links.reduce((s, l) => s + l.counters.datagrams, 0)
    for (let waited = 0; (arrived() < n || received < n - lost()) && waited < 10_000; waited += 20) await new Promise((ok) => setTimeout(ok, 20))
    expect(arrived()).toBe(n)
    expect(received).toBe(n - lost())
    // 10 % of 2000: 200 expected; five standard deviations (~13 each) either side.
    expect(lost()).toBeGreaterThan(135)
    expect(lost()).toBeLessThan(265)
  })

  it('holds a burst to the bandwidth cap, and tail-drops beyond its queue', async () => {
    const { relay, a, b, bVia } = await pair({ delayMs: 0, jitterMs: 0, loss: 0, rateBytesPerSec: 500_000, queueBytes: 1_000_000 })
    const size = 1000
    const n = 200 // 200 kB at 500 kB/s: at least 0.4 s
    let received = 0
    let last = 0
    const t0 = performance.now()
    const done = new Promise<void>((ok) =>
      b.socket.on('message', () => {
        last = performance.now()
        if (++received === n) ok()
      }),
    )
    for (let i = 0; i < n; i++) a.socket.send(Buffer.alloc(size), bVia.port, '127.0.0.1')
    await done
    expect(last - t0).toBeGreaterThanOrEqual(390)
    expect(relay.stats().links[0]!.counters.overflowed).toBe(0)

    // Now a queue of 10 datagrams: a burst of 50 loses most of itself at once.
    const small = await pair({ delayMs: 0, jitterMs: 0, loss: 0, rateBytesPerSec: 100_000, queueBytes: 10 * size })
    for (let i = 0; i < 50; i++) small.a.socket.send(Buffer.alloc(size), small.bVia.port, '127.0.0.1')
    const counted = () => small.relay.stats().links[0]?.counters
    for (let waited = 0; (counted()?.datagrams ?? 0) < 50 && waited < 5_000; waited += 20) await new Promise((ok) => setTimeout(ok, 20))
    expect(counted()!.overflowed).toBeGreaterThanOrEqual(30)
  })
})
