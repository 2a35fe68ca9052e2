import { describe, expect, it } from 'vitest'
import { formatBytes } from './format.ts'

describe('formatBytes', () => {
  it.each([
    [0, '0 B'],
    [1023, '1023 B'],
    [1024, '1.0 KiB'],
    [1536, '1.5 KiB'],
    [10 * 1024, '10 KiB'],
    [32 * 1024 * 1024, '32 MiB'],
    [3 * 1024 ** 3 + 1, '3.0 GiB'],
    [2 ** 60, '1024 PiB'],
  ])('%d bytes reads as %s', (n, text) => {
    expect(formatBytes(n)).toBe(text)
  })
})
