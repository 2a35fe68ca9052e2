import { describe, expect, it } from 'vitest'
import { BLOCK_SIZE } from './limits.ts'
import { RateLimiter } from './rate-limiter.ts'

describe('RateLimiter', () => {
  it('without a rate lets everything through', () => {
    const r = new RateLimiter()
    expect(r.available(0)).toBe(Infinity)
    expect(r.take(10 ** 9, 0)).toBe(true)
    expect(r.waitMs(10 ** 9, 0)).toBe(0)
  })

  it('lets a second’s worth through, then refills at the rate', () => {
    const r = new RateLimiter(100_000)
    expect(r.take(100_000, 0)).toBe(true)
    expect(r.take(1, 0)).toBe(false)
    expect(r.waitMs(50_000, 0)).toBe(500)
    expect(r.take(50_000, 499)).toBe(false)
    expect(r.take(50_000, 500)).toBe(true)
    // Idle time does not pile up beyond one second's worth.
    expect(r.available(60_000)).toBe(100_000)
  })

  it('moves at most the rate over time, whatever the pattern of takes', () => {
    const r = new RateLimiter(64 * 1024)
    let sent = 0
    for (let t = 0; t <= 10_000; t += 7) while (r.take(BLOCK_SIZE, t)) sent += BLOCK_SIZE
    // 10 s at 64 KiB/s, plus the one-second burst at the start.
    expect(sent).toBeLessThanOrEqual(11 * 64 * 1024)
    expect(sent).toBeGreaterThanOrEqual(10 * 64 * 1024)
  })

  it('lets whole blocks through below one block a second', () => {
    const r = new RateLimiter(4096)
    expect(r.take(BLOCK_SIZE, 0)).toBe(true)
    expect(r.take(BLOCK_SIZE, 3_999)).toBe(false)
    expect(r.take(BLOCK_SIZE, 4_000)).toBe(true)
  })

  it('a parent limit bounds every child together', () => {
    const global = new RateLimiter(100_000)
    const a = new RateLimiter(80_000, global)
    const b = new RateLimiter(0, global)
    expect(a.take(80_000, 0)).toBe(true)
    expect(b.available(0)).toBe(20_000)
    expect(b.take(30_000, 0)).toBe(false)
    expect(b.take(20_000, 0)).toBe(true)
    expect(a.waitMs(10_000, 0)).toBe(125)
    global.setRate(0)
    expect(b.available(0)).toBe(Infinity)
  })

  it('forced takes go into debt that time repays', () => {
    const r = new RateLimiter(20_000)
    r.force(30_000, 0)
    expect(r.available(0)).toBe(-10_000)
    expect(r.waitMs(10_000, 0)).toBe(1_000)
    expect(r.take(10_000, 999)).toBe(false)
    expect(r.take(10_000, 1_000)).toBe(true)
  })
})
