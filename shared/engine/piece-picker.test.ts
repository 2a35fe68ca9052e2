import { describe, expect, it } from 'vitest'
import { Bitfield } from './bitfield.ts'
import { BLOCK_SIZE } from './limits.ts'
import { PiecePicker, type PickerOptions } from './piece-picker.ts'
import { seededRandom } from '../test-support/random.ts'

const PIECE = 2 * BLOCK_SIZE
function picker(pieceCount: number, o: Partial<PickerOptions> = {}): PiecePicker {
  return new PiecePicker({
    pieceCount,
    pieceLength: PIECE,
    totalLength: pieceCount * PIECE,
    maxPiecesInFlight: 64,
    randomFirstPieces: 0,
    random: () => 0.5,
    ...o,
  })
}
const bits = (n: number, idx: number[]) => {
  const b = new Bitfield(n)
  for (const i of idx) b.set(i)
  return b
}
const never = () => false
const pieces = (refs: { index: number }[]) => [...new Set(refs.map((r) => r.index))]

describe('PiecePicker: which piece next (table)', () => {
  it.each<[string, number[][], number[], number[]]>([
    // name, availability (a bitfield per other peer), the peer we pick for, expected first piece
    ['rarest first', [[0, 1, 2, 3], [0, 1, 3], [1, 3]], [0, 1, 2, 3], [2]],
    ['rarest among what the peer has', [[0, 1, 2, 3], [0, 1, 3], [1, 3]], [0, 1, 3], [0]],
    ['nothing the peer has', [[0]], [], []],
  ])('%s', (_name, others, peerHas, expected) => {
    const p = picker(4)
    for (const o of others) p.addAvailability(bits(4, o))
    const out = p.pick(bits(4, peerHas), 2, never)
    expect(pieces(out)).toEqual(expected)
  })

  it('finishes a started piece before starting another (strict priority)', () => {
    const p = picker(4)
    p.addAvailability(bits(4, [0, 1, 2, 3]))
    const a = p.pick(bits(4, [0, 1, 2, 3]), 1, never)
    const b = p.pick(bits(4, [0, 1, 2, 3]), 1, never)
    expect(b[0]!.index).toBe(a[0]!.index)
    expect(b[0]!.begin).toBe(BLOCK_SIZE)
  })

  it('sequential mode takes the lowest missing index', () => {
    const p = picker(6)
    p.sequential = true
    p.addAvailability(bits(6, [1, 2, 3, 4, 5]))
    p.addAvailability(bits(6, [5]))
    expect(pieces(p.pick(bits(6, [2, 3, 4, 5]), 4, never))).toEqual([2, 3])
  })

  it('high-priority pieces start before normal ones, whatever their rarity or order', () => {
    const p = picker(6)
    p.addAvailability(bits(6, [0, 1, 2, 3, 4, 5]))
    p.addAvailability(bits(6, [0, 1, 2]))
    p.priority.set([1, 1, 1, 2, 2, 0])
    expect(pieces(p.pick(bits(6, [0, 1, 2, 3, 4, 5]), 4, never))).toEqual([3, 4])
    const q = picker(6)
    q.sequential = true
    q.priority.set([1, 1, 0, 2, 1, 2])
    expect(pieces(q.pick(bits(6, [0, 1, 2, 3, 4, 5]), 8, never))).toEqual([3, 5, 0, 1])
  })

  it('says which pieces are in flight', () => {
    const p = picker(4)
    p.pick(bits(4, [2]), 1, never)
    expect([0, 1, 2, 3].map((i) => p.inFlight(i))).toEqual([false, false, true, false])
  })

  it('random first pieces: spreads choices over all candidates', () => {
    const seen = new Set<number>()
    for (let k = 0; k < 50; k++) {
      const p = picker(8, { randomFirstPieces: 4, random: seededRandom(k) })
      p.addAvailability(bits(8, [0, 1, 2, 3, 4, 5, 6, 7]))
      p.addAvailability(bits(8, [0]))
      seen.add(p.pick(bits(8, [0, 1, 2, 3, 4, 5, 6, 7]), 1, never)[0]!.index)
    }
    // Rarest first would always pick among 1..7; random first picks piece 0 too.
    expect(seen.size).toBeGreaterThanOrEqual(6)
    expect(seen.has(0)).toBe(true)
  })

  it('priority 0 (deselected file) is never fetched', () => {
    const p = picker(3)
    p.addAvailability(bits(3, [0, 1, 2]))
    p.priority[1] = 0
    expect(pieces(p.pick(bits(3, [0, 1, 2]), 10, never)).sort()).toEqual([0, 2])
    p.received({ index: 0, begin: 0, length: BLOCK_SIZE })
    p.verified(0)
    p.verified(2)
    expect(p.isDone()).toBe(true)
  })

  it('bounds pieces in flight', () => {
    const p = picker(10, { maxPiecesInFlight: 2 })
    p.addAvailability(Bitfield.full(10))
    const out = p.pick(Bitfield.full(10), 100, never)
    expect(pieces(out).length).toBe(2)
    expect(p.piecesInFlight()).toBe(2)
  })
})

describe('PiecePicker: block life cycle', () => {
  it('a rejected or timed-out block is picked again', () => {
    const p = picker(1)
    const all = Bitfield.full(1)
    const [b0, b1] = p.pick(all, 2, never)
    expect(p.pick(all, 2, () => true)).toEqual([]) // everything requested, endgame excludes "mine"
    p.unrequested(b1!)
    expect(p.pick(all, 2, never)).toEqual([b1])
    expect(p.received(b0!)).toBe(true)
    expect(p.received(b0!)).toBe(false) // a duplicate is not wanted
  })

  it('endgame: requests blocks already requested from other peers, once per peer', () => {
    const p = picker(1)
    const all = Bitfield.full(1)
    const first = p.pick(all, 2, never)
    expect(p.inEndgame()).toBe(true)
    const mine = new Set(first.map((r) => r.begin))
    const second = p.pick(all, 2, (_i, begin) => mine.has(begin))
    expect(second).toEqual([]) // same peer: nothing new
    const other = p.pick(all, 2, never)
    expect(other).toEqual(first)
  })

  it('a failed piece is forgotten and fetched whole again', () => {
    const p = picker(1)
    const all = Bitfield.full(1)
    for (const b of p.pick(all, 2, never)) p.received(b)
    expect(p.isComplete(0)).toBe(true)
    p.failed(0)
    expect(p.pick(all, 2, never).length).toBe(2)
  })

  it('validates block addresses (aligned, exact length, short last block)', () => {
    const p = new PiecePicker({ pieceCount: 2, pieceLength: PIECE, totalLength: PIECE + 100, maxPiecesInFlight: 4, randomFirstPieces: 0, random: Math.random })
    expect(p.isValidBlock({ index: 0, begin: BLOCK_SIZE, length: BLOCK_SIZE })).toBe(true)
    expect(p.isValidBlock({ index: 1, begin: 0, length: 100 })).toBe(true)
    expect(p.isValidBlock({ index: 1, begin: 0, length: BLOCK_SIZE })).toBe(false)
    expect(p.isValidBlock({ index: 0, begin: 1, length: BLOCK_SIZE })).toBe(false)
    expect(p.isValidBlock({ index: 2, begin: 0, length: 100 })).toBe(false)
    expect(p.isValidBlock({ index: -1, begin: 0, length: 100 })).toBe(false)
  })
})

describe('PiecePicker: deadlines (streaming)', () => {
  const all = (n: number) => bits(n, Array.from({ length: n }, (_, i) => i))

  it('deadline pieces come first, most urgent first, ahead of started pieces and rarest first', () => {
    const p = picker(20, { maxPiecesInFlight: 2 })
    p.addAvailability(bits(20, [3, 4, 5]))
    expect(pieces(p.pick(all(20), 2, never))).toHaveLength(1) // a rare piece started (2 blocks)
    p.setDeadlines([12, 11])
    expect(pieces(p.pick(all(20), 4, never))).toEqual([12, 11])
  })

  it('starts deadline pieces past the in-flight cap, and only those', () => {
    const p = picker(20, { maxPiecesInFlight: 1 })
    p.pick(all(20), 2, never) // the one allowed piece is in flight
    expect(p.pick(all(20), 10, never)).toEqual([]) // cap reached, nothing free
    p.setDeadlines([15])
    expect(pieces(p.pick(all(20), 10, never))).toEqual([15])
    expect(p.piecesInFlight()).toBe(2)
  })

  it('a seek replaces the deadline; verified, unknown and repeated pieces drop out; the list is bounded', () => {
    const p = picker(40, { maxDeadlinePieces: 4 })
    p.verified(7)
    p.setDeadlines([7, 8, 8, -1, 99, 9, 10, 11, 12])
    expect(p.deadlinePieces()).toEqual([8, 9, 10, 11])
    p.setDeadlines([30, 31])
    expect(pieces(p.pick(all(40), 4, never))).toEqual([30, 31])
    p.verified(30)
    expect(p.deadlinePieces()).toEqual([31])
  })

  it('skips deadline pieces the peer lacks', () => {
    const p = picker(10)
    p.setDeadlines([5, 6])
    expect(pieces(p.pick(bits(10, [6, 1]), 2, never))).toEqual([6])
  })
})
