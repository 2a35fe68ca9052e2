import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { TRACKER_CLIENT_LIMITS, TrackerClient } from './tracker-client.ts'
import { TrackerSocketPool, type WebSocketClass } from './tracker-socket.ts'

// The announce schedule against a fake tracker socket (the real tracker is in e2e/lib-tracker-client):
// the tracker's interval, and `wantPeers` (the last peer left, pieces still wanted) announcing again
// within seconds, backing off, never more often than the refill delays allow.

const sent: Record<string, unknown>[] = []

class FakeWebSocket {
  static last: FakeWebSocket | null = null
  readyState = 0
  onopen: (() => void) | null = null
  onmessage: ((e: { data: string }) => void) | null = null
  onclose: (() => void) | null = null
  onerror: (() => void) | null = null
  constructor(readonly url: string) {
    FakeWebSocket.last = this
    queueMicrotask(() => {
      this.readyState = 1
      this.onopen?.()
    })
  }
  send(text: string): void {
    sent.push(JSON.parse(text) as Record<string, unknown>)
  }
  close(): void {
    this.readyState = 3
  }
  /** The tracker's reply to an announce. */
  reply(msg: Record<string, unknown>): void {
    this.onmessage?.({ data: JSON.stringify(msg) })
  }
}

const id = (c: string) => c.repeat(20)
const announces = () => sent.filter((m) => m['action'] === 'announce' && m['answer'] === undefined).length

function client(): TrackerClient {
  const c = new TrackerClient({
    infoHash: id('i'),
    peerId: id('p'),
    announce: ['ws://tracker.test/'],
    pool: new TrackerSocketPool({ WebSocket: FakeWebSocket as unknown as WebSocketClass }),
    signaling: { makeOffers: async () => [], answerOffer: async () => null, acceptAnswer: () => {} },
    stats: () => ({ uploaded: 0, downloaded: 0, left: 1000 }),
  })
  c.start()
  return c
}

/** Let the socket open and the `started` announce go out, then answer it with a 120 s interval. */
async function started(): Promise<TrackerClient> {
  const c = client()
  await vi.advanceTimersByTimeAsync(0)
  expect(announces()).toBe(1)
  FakeWebSocket.last!.reply({ action: 'announce', info_hash: id('i'), interval: 120, complete: 1, incomplete: 1 })
  return c
}

beforeEach(() => {
  vi.useFakeTimers()
  sent.length = 0
})
afterEach(() => {
  vi.useRealTimers()
})

describe('TrackerClient announce schedule', () => {
  it('announces at the tracker interval when nothing is asked', async () => {
    const c = await started()
    await vi.advanceTimersByTimeAsync(119_000)
    expect(announces()).toBe(1)
    await vi.advanceTimersByTimeAsync(1_000)
    expect(announces()).toBe(2)
    c.stop()
  })

  it('wantPeers announces again after 5 s, then backs off 10 s, 20 s while no peer connects', async () => {
    const c = await started()
    const first = TRACKER_CLIENT_LIMITS.refillFirstS * 1000
    c.wantPeers()
    await vi.advanceTimersByTimeAsync(first - 1)
    expect(announces()).toBe(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(announces()).toBe(2)
    c.wantPeers() // still alone
    await vi.advanceTimersByTimeAsync(2 * first - 1)
    expect(announces()).toBe(2)
    await vi.advanceTimersByTimeAsync(1)
    expect(announces()).toBe(3)
    c.wantPeers()
    c.wantPeers() // asking twice does not announce twice
    await vi.advanceTimersByTimeAsync(4 * first)
    expect(announces()).toBe(4)
    c.stop()
  })

  it('a connected peer resets the backoff; a finished download never refills', async () => {
    const c = await started()
    const first = TRACKER_CLIENT_LIMITS.refillFirstS * 1000
    c.wantPeers()
    await vi.advanceTimersByTimeAsync(first)
    c.peerConnected()
    c.wantPeers()
    await vi.advanceTimersByTimeAsync(first)
    expect(announces()).toBe(3) // 5 s again, not 10 s
    c.complete()
    const afterComplete = announces()
    c.wantPeers()
    await vi.advanceTimersByTimeAsync(first * 4)
    expect(announces()).toBe(afterComplete)
    c.stop()
  })

  it('the backoff stops growing at the tracker interval', async () => {
    const c = await started()
    for (let i = 0; i < 10; i++) {
      c.wantPeers()
      await vi.advanceTimersByTimeAsync(120_000)
    }
    const n = announces()
    const last = c.status()[0]!.lastAnnounceAt!
    c.wantPeers()
    await vi.advanceTimersByTimeAsync(last + 119_000 - Date.now())
    expect(announces()).toBe(n)
    await vi.advanceTimersByTimeAsync(1_000)
    expect(announces()).toBe(n + 1)
    c.stop()
  })
})
