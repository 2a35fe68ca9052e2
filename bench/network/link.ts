// One direction of a shaped path: what a datagram meets between two endpoints. Loss first (a
// Bernoulli draw from a seeded PRNG, so a run repeats), then the bandwidth cap (a FIFO served at
// `rateBytesPerSec`, tail-dropping beyond `queueBytes` like a router's buffer), then the propagation
// delay plus jitter (uniform in +-jitterMs, never reordering: a datagram never leaves before the one
// ahead of it). Times are milliseconds from the caller's clock.

export interface LinkConditions {
  /** One-way delay; a round trip crosses two links, so 50 ms RTT is 25 here. */
  delayMs: number
  jitterMs: number
  /** Probability that a datagram is dropped, 0..1. */
  loss: number
  /** Bandwidth cap; 0 or undefined: no cap. */
  rateBytesPerSec?: number
  /** Bytes waiting for the cap before tail drop (default: 256 KiB). */
  queueBytes?: number
}

export const NO_CONDITIONS: LinkConditions = { delayMs: 0, jitterMs: 0, loss: 0 }

export interface LinkCounters {
  datagrams: number
  bytes: number
  lost: number
  /** Dropped because the cap's queue was full. */
  overflowed: number
}

const DEFAULT_QUEUE_BYTES = 256 * 1024

export class Link {
  readonly counters: LinkCounters = { datagrams: 0, bytes: 0, lost: 0, overflowed: 0 }
  private busyUntil = 0
  private lastRelease = 0

  constructor(readonly conditions: LinkConditions, private readonly random: () => number) {}

  /** When a datagram of `size` bytes arriving at `now` leaves the link, or null when it is dropped. */
  admit(size: number, now: number): number | null {
    const c = this.conditions
    this.counters.datagrams++
    this.counters.bytes += size
    if (c.loss > 0 && this.random() < c.loss) {
      this.counters.lost++
      return null
    }
    let departs = now
    if (c.rateBytesPerSec && c.rateBytesPerSec > 0) {
      const start = Math.max(now, this.busyUntil)
      const queued = ((start - now) / 1000) * c.rateBytesPerSec
      if (queued + size > (c.queueBytes ?? DEFAULT_QUEUE_BYTES)) {
        this.counters.overflowed++
        return null
      }
      this.busyUntil = start + (size / c.rateBytesPerSec) * 1000
      departs = this.busyUntil
    }
    const jitter = c.jitterMs > 0 ? (this.random() * 2 - 1) * c.jitterMs : 0
    const release = Math.max(departs + c.delayMs + jitter, this.lastRelease, now)
    this.lastRelease = release
    return release
  }
}
