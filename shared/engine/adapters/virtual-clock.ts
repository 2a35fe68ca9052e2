import type { Clock } from '../ports.ts'

interface Timer {
  at: number
  seq: number
  fn: () => void
  every: number // 0 = one-shot
  cancelled: boolean
}

/**
 * Simulated time: timers fire only when the driver calls `step()`, which jumps straight to the
 * next due timer. A swarm of minutes runs in milliseconds and every run is identical. Timers due at
 * the same instant fire in the order they were set.
 */
export class VirtualClock implements Clock {
  private t = 0
  private seq = 0
  private readonly heap: Timer[] = []

  now(): number {
    return this.t
  }

  setTimeout(fn: () => void, ms: number): unknown {
    return this.push(fn, Math.max(0, ms), 0)
  }

  setInterval(fn: () => void, ms: number): unknown {
    return this.push(fn, Math.max(1, ms), Math.max(1, ms))
  }

  clearTimeout(handle: unknown): void {
    if (handle && typeof handle === 'object') (handle as Timer).cancelled = true
  }

  clearInterval(handle: unknown): void {
    this.clearTimeout(handle)
  }

  /** Time of the next live timer, or undefined when nothing is scheduled. */
  nextAt(): number | undefined {
    this.dropCancelled()
    return this.heap[0]?.at
  }

  /** Advance to the next timer and run it. Returns false when nothing is scheduled. */
  step(): boolean {
    this.dropCancelled()
    const timer = this.pop()
    if (!timer) return false
    this.t = Math.max(this.t, timer.at)
    if (timer.every > 0) {
      timer.at = this.t + timer.every
      timer.seq = this.seq++
      this.insert(timer)
    }
    timer.fn()
    return true
  }

  private push(fn: () => void, delay: number, every: number): Timer {
    const timer: Timer = { at: this.t + delay, seq: this.seq++, fn, every, cancelled: false }
    this.insert(timer)
    return timer
  }

  private dropCancelled(): void {
    while (this.heap[0]?.cancelled) this.pop()
  }

  private less(a: Timer, b: Timer): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq)
  }

  private insert(timer: Timer): void {
    const h = this.heap
    h.push(timer)
    let i = h.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!this.less(h[i]!, h[parent]!)) break
      ;[h[i], h[parent]] = [h[parent]!, h[i]!]
      i = parent
    }
  }

  private pop(): Timer | undefined {
    const h = this.heap
    const top = h[0]
    const last = h.pop()
    if (h.length > 0 && last) {
      h[0] = last
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        const r = l + 1
        let m = i
        if (l < h.length && this.less(h[l]!, h[m]!)) m = l
        if (r < h.length && this.less(h[r]!, h[m]!)) m = r
        if (m === i) break
        ;[h[i], h[m]] = [h[m]!, h[i]!]
        i = m
      }
    }
    return top
  }
}
