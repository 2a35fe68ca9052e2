import { describe, expect, it } from 'vitest'
import { ProtocolError } from '../errors.ts'
import { defaultLimits } from './limits.ts'
import { PeerState } from './peer-state.ts'

describe('PeerState before a magnet knows the piece count', () => {
  it('keeps a bitfield and haves aside, then applies them', () => {
    const st = new PeerState(0, 5000)
    st.setPieces(new Uint8Array([0b1010_0000]))
    st.addHave(3, defaultLimits)
    expect(st.pieces).toBeNull()
    st.setPieceCount(4)
    expect([...st.pieces!.indices()]).toEqual([0, 2, 3])
  })

  it('have-all becomes a full set (a seed)', () => {
    const st = new PeerState(0, 5000)
    st.setPieces(true)
    expect(st.isSeed).toBe(true)
    st.setPieceCount(13)
    expect(st.pieces!.isFull()).toBe(true)
  })

  it.each<[string, (st: PeerState) => void]>([
    ['a bitfield of the wrong length', (st) => st.setPieces(new Uint8Array(3))],
    ['spare bits set', (st) => st.setPieces(new Uint8Array([0xff]))],
    ['a have beyond the piece count', (st) => st.addHave(40, defaultLimits)],
  ])('rejects %s once the count is known', (_name, act) => {
    const st = new PeerState(0, 5000)
    act(st)
    expect(() => st.setPieceCount(4)).toThrow(ProtocolError)
  })

  it('remembers a bounded number of early haves', () => {
    const st = new PeerState(0, 5000)
    const limits = { ...defaultLimits, maxPendingHaves: 10 }
    for (let i = 0; i < 1000; i++) st.addHave(i, limits)
    st.setPieceCount(2000)
    expect(st.pieces!.count()).toBe(10)
  })
})
