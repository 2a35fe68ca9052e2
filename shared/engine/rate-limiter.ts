import { BLOCK_SIZE } from './limits.ts'

/**
 * A token bucket for bytes: `rate` bytes a second (0 = no limit), holding at most one second's worth
 * (at least one block, so a rate below 16 KiB/s still lets whole blocks through, just less often).
 * A limiter may have a parent (the page's global limit over every torrent's own): taking bytes takes
 * them from both, and what is available is the smaller of the two. Time is passed in (the Clock's), so
 * tests run simulated time.
 */
export class RateLimiter {
  #rate = 0
  #tokens = 0
  #at = -1

  constructor(rate = 0, readonly parent: RateLimiter | null = null) {
    this.setRate(rate)
  }

  get rate(): number {
    return this.#rate
  }

  /** Bytes per second; 0 or less = no limit. The bucket starts full at the new rate. */
  setRate(bytesPerSecond: number): void {
    this.#rate = Number.isFinite(bytesPerSecond) && bytesPerSecond > 0 ? bytesPerSecond : 0
    this.#tokens = this.#burst()
    this.#at = -1
  }

  /** Bytes that may go now (Infinity without any limit). */
  available(now: number): number {
    const own = this.#rate > 0 ? this.#refill(now) : Infinity
    return Math.min(own, this.parent ? this.parent.available(now) : Infinity)
  }

  /** Take `bytes` if they may go now; false (and nothing taken) if not. */
  take(bytes: number, now: number): boolean {
    if (this.available(now) < bytes) return false
    this.#consume(bytes, now)
    return true
  }

  /** Take `bytes` whatever is left (a request already sent): the bucket goes into debt, repaid by time. */
  force(bytes: number, now: number): void {
    this.#consume(bytes, now)
  }

  /** Milliseconds until `bytes` may go (0 if now). */
  waitMs(bytes: number, now: number): number {
    const own = this.#rate > 0 ? Math.max(0, ((Math.min(bytes, this.#burst()) - this.#refill(now)) / this.#rate) * 1000) : 0
    return Math.max(own, this.parent ? this.parent.waitMs(bytes, now) : 0)
  }

  #consume(bytes: number, now: number): void {
    if (this.#rate > 0) {
      this.#refill(now)
      this.#tokens -= bytes
    }
    if (this.parent) this.parent.#consume(bytes, now)
  }

  #burst(): number {
    return Math.max(this.#rate, BLOCK_SIZE)
  }

  #refill(now: number): number {
    if (this.#at >= 0 && now > this.#at) this.#tokens = Math.min(this.#burst(), this.#tokens + ((now - this.#at) * this.#rate) / 1000)
    if (this.#at < 0 || now > this.#at) this.#at = now
    return this.#tokens
  }
}
