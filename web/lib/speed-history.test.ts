import { describe, expect, it } from 'vitest'
import { SpeedHistory } from './speed-history.ts'

describe('SpeedHistory', () => {
  it('keeps samples oldest first', () => {
    const h = new SpeedHistory(3)
    h.add({ t: 1, down: 10, up: 1 })
    h.add({ t: 2, down: 20, up: 2 })
    expect(h.samples().map((s) => s.t)).toEqual([1, 2])
  })

  it('forgets the oldest beyond its capacity', () => {
    const h = new SpeedHistory(3)
    for (let t = 1; t <= 7; t++) h.add({ t, down: t, up: 0 })
    expect(h.samples().map((s) => s.t)).toEqual([5, 6, 7])
  })
})
