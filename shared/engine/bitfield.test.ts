import { describe, expect, it } from 'vitest'
import { ProtocolError } from '../errors.ts'
import { Bitfield } from './bitfield.ts'

describe('Bitfield', () => {
  it('uses BEP 3 bit order: the high bit of byte 0 is piece 0', () => {
    const b = new Bitfield(10)
    b.set(0)
    b.set(9)
    expect([...b.toWire()]).toEqual([0x80, 0x40])
    expect(b.count()).toBe(2)
    expect(b.has(9)).toBe(true)
    expect(b.has(10)).toBe(false)
  })

  it('reads a peer bitfield and counts its pieces', () => {
    const b = Bitfield.fromWire(new Uint8Array([0xff, 0xc0]), 10)
    expect(b.isFull()).toBe(true)
    expect([...b.indices()]).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
  })

  it.each([
    ['too short', [0xff], 10],
    ['too long', [0xff, 0xc0, 0x00], 10],
    ['spare bits set', [0xff, 0xe0], 10],
  ])('rejects a lying bitfield: %s', (_name, bytes, n) => {
    expect(() => Bitfield.fromWire(new Uint8Array(bytes), n)).toThrow(ProtocolError)
  })

  it('ignores out-of-range indices and double sets', () => {
    const b = new Bitfield(3)
    expect(b.set(5)).toBe(false)
    expect(b.set(1)).toBe(true)
    expect(b.set(1)).toBe(false)
    b.clear(1)
    expect(b.count()).toBe(0)
  })
})
