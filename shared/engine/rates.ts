/**
 * A sliding-window rate meter: bytes per second over the last `windowMs`, from time the caller
 * passes in (the Clock's), so simulated time gives exact rates. Buckets of `bucketMs` keep it O(1)
 * per sample and bounded in memory.
 */
export class RateMeter {
  private readonly buckets: Float64Array
  private readonly bucketMs: number
  private lastBucket = -1
  private started = -1
  total = 0

  constructor(readonly windowMs = 5_000, buckets = 10) {
    this.buckets = new Float64Array(buckets)
    this.bucketMs = windowMs / buckets
  }

  add(bytes: number, now: number): void {
    this.advance(now)
    const slot = Math.floor(now / this.bucketMs) % this.buckets.length
    this.buckets[slot] = (this.buckets[slot] ?? 0) + bytes
    this.total += bytes
  }

  /** Bytes per second. Before a whole window has passed, divides by the time elapsed so far. */
  rate(now: number): number {
    this.advance(now)
    if (this.started < 0) return 0
    let sum = 0
    for (const b of this.buckets) sum += b
    const elapsed = Math.min(this.windowMs, Math.max(this.bucketMs, now - this.started))
    return (sum * 1000) / elapsed
  }

  private advance(now: number): void {
    const bucket = Math.floor(now / this.bucketMs)
    if (this.started < 0) {
      this.started = now
      this.lastBucket = bucket
      return
    }
    const steps = Math.min(bucket - this.lastBucket, this.buckets.length)
    for (let i = 1; i <= steps; i++) this.buckets[(this.lastBucket + i) % this.buckets.length] = 0
    if (bucket > this.lastBucket) this.lastBucket = bucket
  }
}
