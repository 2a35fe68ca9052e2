import { describe, expect, it } from 'vitest'
import { RateMeter } from './rates.ts'

describe('RateMeter', () => {
  it('measures a steady rate over the window', () => {
    const m = new RateMeter(5000, 10)
    for (let t = 0; t <= 10_000; t += 100) m.add(1000, t) // 10 kB/s
    expect(m.rate(10_000)).toBeGreaterThan(9_000)
    expect(m.rate(10_000)).toBeLessThan(11_500)
    expect(m.total).toBe(101_000)
  })

  it('decays to zero once the sender stops', () => {
    const m = new RateMeter(5000, 10)
    for (let t = 0; t <= 2000; t += 100) m.add(1000, t)
    expect(m.rate(2000)).toBeGreaterThan(0)
    expect(m.rate(8000)).toBe(0)
    expect(m.rate(60_000)).toBe(0)
  })
})
