import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { fileStarts, piecesOfFile, spansOf } from './file-spans.ts'

describe('spansOf', () => {
  const starts = fileStarts([10, 0, 5, 20])

  it('splits a range across files, skipping empty ones', () => {
    expect(spansOf(starts, 8, 10)).toEqual([
      { fileIndex: 0, fileOffset: 8, rangeOffset: 0, length: 2 },
      { fileIndex: 2, fileOffset: 0, rangeOffset: 2, length: 5 },
      { fileIndex: 3, fileOffset: 0, rangeOffset: 7, length: 3 },
    ])
  })

  it('rejects ranges outside the torrent', () => {
    expect(() => spansOf(starts, 30, 6)).toThrow(RangeError)
    expect(() => spansOf(starts, -1, 1)).toThrow(RangeError)
    expect(() => spansOf(starts, 0.5, 1)).toThrow(RangeError)
  })

  it('covers every byte of any range exactly once, in order', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(50), { minLength: 1, maxLength: 8 }), fc.nat(), fc.nat(), (lengths, a, b) => {
        const st = fileStarts(lengths)
        const total = st[st.length - 1]!
        const offset = total === 0 ? 0 : a % (total + 1)
        const length = (total - offset) === 0 ? 0 : b % (total - offset + 1)
        const spans = spansOf(st, offset, length)
        let covered = 0
        for (const s of spans) {
          expect(s.rangeOffset).toBe(covered)
          expect(st[s.fileIndex]! + s.fileOffset).toBe(offset + covered)
          expect(s.fileOffset + s.length).toBeLessThanOrEqual(lengths[s.fileIndex]!)
          expect(s.length).toBeGreaterThan(0)
          covered += s.length
        }
        expect(covered).toBe(length)
      }),
    )
  })
})

describe('piecesOfFile', () => {
  it('names the pieces a file overlaps', () => {
    const starts = fileStarts([10, 0, 5, 20])
    expect(piecesOfFile(starts, 0, 4)).toEqual([0, 2])
    expect(piecesOfFile(starts, 1, 4)).toBeNull()
    expect(piecesOfFile(starts, 2, 4)).toEqual([2, 3])
    expect(piecesOfFile(starts, 3, 4)).toEqual([3, 8])
  })
})
