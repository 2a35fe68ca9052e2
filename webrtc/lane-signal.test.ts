import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { LANE_SIGNAL_LIMITS, LaneSignal, parseLaneMessage, type LaneSignalHandler, type SignalChannel } from './lane-signal.ts'

class FakeChannel implements SignalChannel {
  readyState = 'open'
  sent: string[] = []
  onopen: ((ev: Event) => unknown) | null = null
  onmessage: ((ev: MessageEvent) => unknown) | null = null
  onclose: ((ev: Event) => unknown) | null = null
  send(data: string): void {
    this.sent.push(data)
  }
  close(): void {
    if (this.readyState === 'closed') return
    this.readyState = 'closed'
    this.onclose?.(new Event('close'))
  }
  receive(data: unknown): void {
    this.onmessage?.({ data } as MessageEvent)
  }
  types(): string[] {
    return this.sent.map((s) => (JSON.parse(s) as { t: string }).t)
  }
}

const offer = (sdp = 'v=0 offer') => JSON.stringify({ t: 'offer', sdp })

function handler(answer: string | null = 'v=0 answer'): LaneSignalHandler & { readies: number; offers: string[] } {
  const h = {
    readies: 0,
    offers: [] as string[],
    ready: () => void h.readies++,
    offer: (sdp: string) => {
      h.offers.push(sdp)
      return Promise.resolve(answer)
    },
  }
  return h
}

beforeEach(() => vi.useFakeTimers())
afterEach(() => vi.useRealTimers())

describe('parseLaneMessage', () => {
  it('reads the four messages and nothing else', () => {
    expect(parseLaneMessage('{"t":"ready"}')).toEqual({ t: 'ready' })
    expect(parseLaneMessage('{"t":"decline"}')).toEqual({ t: 'decline' })
    expect(parseLaneMessage(offer('x'))).toEqual({ t: 'offer', sdp: 'x' })
    for (const bad of ['', 'nope', '[]', 'null', '{"t":"offer"}', '{"t":"answer","sdp":""}', '{"t":"other"}', '{"t":"offer","sdp":5}', new ArrayBuffer(4), 7]) {
      expect(parseLaneMessage(bad)).toBeNull()
    }
  })

  it('refuses a message above the size bound before parsing it', () => {
    const big = offer('a'.repeat(LANE_SIGNAL_LIMITS.maxMessageBytes))
    expect(parseLaneMessage(big)).toBeNull()
    expect(parseLaneMessage(offer('a'.repeat(1000)))).not.toBeNull()
  })
})

describe('LaneSignal, dialled side', () => {
  it('repeats ready until the first offer, a bounded number of times', () => {
    const ch = new FakeChannel()
    new LaneSignal(ch, false, handler(), 4)
    vi.advanceTimersByTime(LANE_SIGNAL_LIMITS.readyIntervalMs * (LANE_SIGNAL_LIMITS.readyTries + 20))
    expect(ch.types()).toEqual(Array(LANE_SIGNAL_LIMITS.readyTries).fill('ready'))

    const ch2 = new FakeChannel()
    new LaneSignal(ch2, false, handler(), 4)
    ch2.receive(offer())
    vi.advanceTimersByTime(LANE_SIGNAL_LIMITS.readyIntervalMs * 10)
    expect(ch2.types().filter((t) => t === 'ready')).toHaveLength(1)
  })

  it('answers offers one at a time and closes on a second offer before its reply', async () => {
    const ch = new FakeChannel()
    const h = handler()
    const signal = new LaneSignal(ch, false, h, 4)
    ch.receive(offer('one'))
    await vi.runOnlyPendingTimersAsync()
    expect(ch.sent.at(-1)).toBe(JSON.stringify({ t: 'answer', sdp: 'v=0 answer' }))
    ch.receive(offer('two'))
    ch.receive(offer('three')) // 'two' is still being answered
    expect(signal.closed).toBe(true)
    expect(ch.readyState).toBe('closed')
    expect(h.offers).toEqual(['one', 'two'])
  })

  it('accepts at most maxOffers offers over its life, then closes', async () => {
    const ch = new FakeChannel()
    const h = handler(null)
    const signal = new LaneSignal(ch, false, h, 2)
    for (let i = 0; i < 3; i++) {
      ch.receive(offer(String(i)))
      await vi.runOnlyPendingTimersAsync()
    }
    expect(h.offers).toEqual(['0', '1'])
    expect(ch.types().filter((t) => t === 'decline')).toHaveLength(2)
    expect(signal.closed).toBe(true)
  })

  it('closes on garbage, oversized messages and messages meant for the dialler', () => {
    for (const bad of ['garbage', offer('a'.repeat(LANE_SIGNAL_LIMITS.maxMessageBytes)), '{"t":"ready"}', '{"t":"answer","sdp":"x"}']) {
      const ch = new FakeChannel()
      const h = handler()
      const signal = new LaneSignal(ch, false, h, 4)
      ch.receive(bad)
      expect(signal.closed).toBe(true)
      expect(h.offers).toEqual([])
    }
  })
})

describe('LaneSignal, dialler', () => {
  it('acts on the first ready only and gets the answer to its offer', async () => {
    const ch = new FakeChannel()
    const h = handler()
    const signal = new LaneSignal(ch, true, h, 4)
    for (let i = 0; i < 5; i++) ch.receive('{"t":"ready"}')
    expect(h.readies).toBe(1)
    const answer = signal.offer('v=0 mine')
    await expect(signal.offer('another')).resolves.toBeNull() // one negotiation at a time
    expect(ch.types()).toEqual(['offer'])
    ch.receive(JSON.stringify({ t: 'answer', sdp: 'theirs' }))
    await expect(answer).resolves.toBe('theirs')
  })

  it('gives up an unanswered offer, and closes on an answer nobody asked for', async () => {
    const ch = new FakeChannel()
    const signal = new LaneSignal(ch, true, handler(), 4)
    const answer = signal.offer('v=0 mine')
    vi.advanceTimersByTime(LANE_SIGNAL_LIMITS.answerTimeoutMs)
    await expect(answer).resolves.toBeNull()
    ch.receive(JSON.stringify({ t: 'answer', sdp: 'late' }))
    expect(signal.closed).toBe(true)
    await expect(signal.offer('after close')).resolves.toBeNull()
  })
})
