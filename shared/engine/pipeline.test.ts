import { describe, expect, it } from 'vitest'
import { pipelineDepth } from './pipeline.ts'

describe('pipelineDepth', () => {
  it.each([
    // rate B/s, reqq, cap, expected
    [0, 250, 128, 2],
    [16384, 250, 128, 3],
    [1_000_000, 250, 128, 2 + Math.ceil(1_000_000 / 16384)],
    [100_000_000, 250, 128, 128],
    [100_000_000, 16, 128, 16],
    [0, 1, 128, 1],
    [-5, 0, 128, 1],
  ])('rate %d, reqq %d, cap %d -> %d', (rate, reqq, cap, expected) => {
    expect(pipelineDepth(rate, reqq, cap)).toBe(expected)
  })
})
