// Token buckets: one per WebSocket connection (ws/connection.ts) and one per client address for the
// stateless protocols (HTTP, UDP), where there is no connection to hang one on. A bucket refills at
// `rate` tokens per second up to `burst`; each request takes one.

export interface TokenBucket { tokens: number; refilledAt: number }

/** Take one token; false when the bucket is empty. `now` in milliseconds. */
export function takeToken(b: TokenBucket, now: number, rate: number, burst: number): boolean {
  const elapsed = now - b.refilledAt
  if (elapsed > 0) {
    b.tokens = Math.min(burst, b.tokens + (elapsed * rate) / 1000)
    b.refilledAt = now
  }
  if (b.tokens < 1) return false
  b.tokens -= 1
  return true
}

/**
 * Buckets by client address, at most `maxAddresses` of them: past it the address seen longest ago
 * first is forgotten (a Map keeps insertion order), so spoofed UDP sources cannot grow it. A
 * forgotten address starts again with a full bucket, which is what it would have after any pause.
 */
export class AddressBuckets {
  private readonly buckets = new Map<string, TokenBucket>()
  constructor(private readonly rate: number, private readonly burst: number, private readonly maxAddresses: number) {}

  get size(): number {
    return this.buckets.size
  }

  take(ip: string, now: number): boolean {
    let b = this.buckets.get(ip)
    if (b === undefined) {
      if (this.buckets.size >= this.maxAddresses) {
        const oldest = this.buckets.keys().next()
        if (oldest.done !== true) this.buckets.delete(oldest.value)
      }
      b = { tokens: this.burst, refilledAt: now }
      this.buckets.set(ip, b)
    }
    return takeToken(b, now, this.rate, this.burst)
  }

  /** Forget buckets that are full again (idle addresses): keeps the map small between floods. */
  sweep(now: number): void {
    for (const [ip, b] of this.buckets) {
      if (b.tokens + ((now - b.refilledAt) * this.rate) / 1000 >= this.burst) this.buckets.delete(ip)
    }
  }
}
