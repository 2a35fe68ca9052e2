import { afterEach, describe, expect, it } from 'vitest'
import { PeerPool, type PeerPoolOptions } from '../webrtc/peer-pool.ts'
import type { DataChannelTransport } from '../webrtc/webrtc-transport.ts'

// Lanes (webrtc/peer-pool.ts, lane-signal.ts) over real WebRTC in Node (@roamhq/wrtc, what the Node
// peer uses): two pools in one process, signalled directly (no tracker). The tab's side runs in
// Chromium in e2e/lib-client.spec.ts.

const HASH = 'H'.repeat(20)
const swarmdropId = (c: string) => `-SD0100-${c.repeat(12)}`
const pools: PeerPool[] = []
afterEach(() => {
  for (const p of pools.splice(0)) p.destroy()
})

interface Opened {
  lane: boolean
  transport: DataChannelTransport
  closed: boolean
}

async function pair(idA: string, idB: string, limitsB: PeerPoolOptions['limits'] = {}) {
  const wrtc = ((await import('@roamhq/wrtc')) as { default: PeerPoolOptions['wrtc'] }).default
  const a = new PeerPool({ wrtc })
  const b = new PeerPool({ wrtc, limits: limitsB })
  pools.push(a, b)
  const opened = { a: [] as Opened[], b: [] as Opened[] }
  for (const [pool, list] of [[a, opened.a], [b, opened.b]] as const) {
    pool.onPeer = (_h, _p, transport, _i, lane) => {
      const o: Opened = { lane, transport, closed: false }
      transport.onData = () => {}
      transport.onClose = () => (o.closed = true)
      list.push(o)
    }
  }
  const [offer] = await a.makeOffers(HASH, 1)
  const answer = await b.answerOffer(HASH, idA, offer!.offerId, offer!.offer)
  a.acceptAnswer(HASH, idB, offer!.offerId, answer!)
  return { a, b, opened }
}

async function until(done: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms
  while (!done() && Date.now() < end) await new Promise((r) => setTimeout(r, 50))
}

describe('lanes between two PeerPools (wrtc)', () => {
  it('a swarmdrop pair opens lanesPerPeer connections, lanes marked, and all close with the first', async () => {
    const { a, b, opened } = await pair(swarmdropId('a'), swarmdropId('b'))
    const k = a.limits.lanesPerPeer
    await until(() => opened.a.length === k && opened.b.length === k, 20_000)
    expect(opened.a.map((o) => o.lane)).toEqual([false, ...Array(k - 1).fill(true)])
    expect(opened.b.map((o) => o.lane)).toEqual([false, ...Array(k - 1).fill(true)])
    expect([a.laneCount(HASH), b.laneCount(HASH), a.connectionCount(HASH)]).toEqual([k - 1, k - 1, k])
    opened.a[0]!.transport.close('test')
    await until(() => [...opened.a, ...opened.b].every((o) => o.closed), 10_000)
    expect([...opened.a, ...opened.b].every((o) => o.closed)).toBe(true)
    expect(a.connectionCount() + b.connectionCount()).toBe(0)
  }, 40_000)

  it('no lanes with a remote whose peer id is not swarmdrop, nor when the dialled side wants none', async () => {
    const other = await pair(swarmdropId('a'), 'X'.repeat(20))
    const declined = await pair(swarmdropId('c'), swarmdropId('d'), { lanesPerPeer: 1 })
    await until(() => [other, declined].every((p) => p.opened.a.length === 1 && p.opened.b.length === 1), 20_000)
    // The dialled side sends `ready` at once and every 250 ms: a second is ample for a lane to start.
    await new Promise((r) => setTimeout(r, 1500))
    for (const p of [other, declined]) {
      expect([p.opened.a.length, p.opened.b.length]).toEqual([1, 1])
      expect(p.a.laneCount() + p.b.laneCount()).toBe(0)
    }
  }, 40_000)
})
