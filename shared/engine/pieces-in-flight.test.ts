import { describe, expect, it } from 'vitest'
import { piecesInFlightFor } from './downloader.ts'
import { defaultLimits } from './limits.ts'

// Memory for pieces in flight is bounded by bytes, not only by count (issue 14: a 4 GiB torrent has
// 4 MiB pieces; 64 of them would be 256 MiB).
describe('pieces in flight by piece length', () => {
  it.each([
    [16 << 10, 64], // small pieces: the count cap
    [1 << 20, 32], // 1 GiB torrent: 32 MiB
    [4 << 20, 8], // 4 GiB torrent
    [16 << 20, 2],
    [64 << 20, 1], // larger than the whole budget: one at a time, never zero
  ])('piece length %i -> %i pieces', (pieceLength, n) => {
    expect(piecesInFlightFor(defaultLimits, pieceLength)).toBe(n)
    expect(n * pieceLength <= Math.max(defaultLimits.maxBytesInFlight, pieceLength)).toBe(true)
  })
})
