import { describe, expect, it } from 'vitest'
import { autoPieceLength, isCreatablePieceLength, isSanePieceLength, pieceLengthOf } from './index.ts'

const KiB = 1024
const MiB = 1024 * KiB
const GiB = 1024 * MiB

describe('autoPieceLength', () => {
  it.each([
    [1, 16 * KiB],
    [10 * MiB, 16 * KiB],
    [2000 * 16 * KiB, 16 * KiB],
    [2000 * 16 * KiB + 1, 32 * KiB],
    [100 * MiB, 64 * KiB],
    [1 * GiB, 1 * MiB],
    [4.7 * GiB, 4 * MiB],
    [100 * GiB, 16 * MiB],
  ])('%d bytes -> %d', (total, expected) => {
    expect(autoPieceLength(total)).toBe(expected)
  })

  it('lands on 1001..2000 pieces between ~31 MiB and ~31 GiB', () => {
    for (let total = 32 * MiB; total < 31 * GiB; total = Math.floor(total * 1.37)) {
      const count = Math.ceil(total / autoPieceLength(total))
      expect(count).toBeGreaterThan(1000)
      expect(count).toBeLessThanOrEqual(2000)
    }
  })
})

describe('piece length bounds', () => {
  it('parsing accepts any length in 1 KiB..512 MiB; creation wants a power of two', () => {
    expect(isSanePieceLength(1024)).toBe(true)
    expect(isSanePieceLength(1000)).toBe(false)
    expect(isSanePieceLength(3 * 100_000)).toBe(true)
    expect(isSanePieceLength(512 * MiB + 1)).toBe(false)
    expect(isCreatablePieceLength(3 * 100_000)).toBe(false)
    expect(isCreatablePieceLength(256 * KiB)).toBe(true)
  })

  it('pieceLengthOf gives the remainder for the last piece, a full piece when it divides', () => {
    expect(pieceLengthOf({ length: 40_000, pieceLength: 16384, pieceCount: 3 }, 2)).toBe(40_000 - 32768)
    expect(pieceLengthOf({ length: 32768, pieceLength: 16384, pieceCount: 2 }, 1)).toBe(16384)
    expect(() => pieceLengthOf({ length: 1, pieceLength: 16384, pieceCount: 1 }, -1)).toThrow(RangeError)
  })
})
