import { describe, expect, it } from 'vitest'
import { encode } from '../bencode/index.ts'
import { toBinaryString, utf8 } from '../bytes.ts'
import { ProtocolError } from '../errors.ts'
import { decodeExtendedHandshake, encodeExtendedHandshake } from './extended.ts'
import type { ExtendedHandshake } from './messages.ts'

const text = (b: Uint8Array): string => toBinaryString(b)

describe('BEP 10 extended handshake', () => {
  it('encodes a canonical bencoded dict', () => {
    const bytes = encodeExtendedHandshake({ m: { ut_metadata: 3, ut_pex: 1 }, v: 'swarmdrop 0.1', reqq: 250, metadataSize: 31235 })
    expect(text(bytes)).toBe('d1:md11:ut_metadatai3e6:ut_pexi1ee13:metadata_sizei31235e4:reqqi250e1:v13:swarmdrop 0.1e')
  })

  it('round-trips every field', () => {
    const h: ExtendedHandshake = {
      m: { ut_metadata: 2, lt_donthave: 0 },
      v: 'µTorrent 3.5',
      p: 6881,
      reqq: 500,
      metadataSize: 1 << 20,
      yourip: new Uint8Array([127, 0, 0, 1]),
      maxBlock: 131072,
    }
    const back = decodeExtendedHandshake(encodeExtendedHandshake(h))
    expect({ ...back, m: { ...back.m } }).toEqual(h)
  })

  it('decodes what WebTorrent (bittorrent-protocol) sends and ignores unknown keys', () => {
    const payload = encode({ m: { ut_metadata: 1, ut_pex: 2 }, metadata_size: 5000, e: 0, complete_ago: 1, upload_only: 0 })
    const h = decodeExtendedHandshake(payload)
    expect({ ...h.m }).toEqual({ ut_metadata: 1, ut_pex: 2 })
    expect(h.metadataSize).toBe(5000)
    expect(h.v).toBeUndefined()
  })

  it('treats a missing m as no extensions', () => {
    expect({ ...decodeExtendedHandshake(encode({ v: 'x' })).m }).toEqual({})
  })

  it('keeps "__proto__" as a plain name', () => {
    const h = decodeExtendedHandshake(encode({ m: new Map([['__proto__', 5]]) }))
    expect(Object.getPrototypeOf(h.m)).toBeNull()
    expect(h.m['__proto__']).toBe(5)
  })

  it('drops informational keys of the wrong type or range', () => {
    const h = decodeExtendedHandshake(encode({ m: {}, v: 5, p: 70000, reqq: -1, yourip: 'abc' }))
    expect(h).toEqual({ m: {} })
    const badUtf8 = decodeExtendedHandshake(encode({ v: new Uint8Array([0xff, 0xfe]) }))
    expect(badUtf8.v).toBeUndefined()
  })

  it('keeps swarmdrop_max_block only as a whole number of 16 KiB blocks above 16 KiB, up to 128 KiB', () => {
    const at = (v: unknown) => decodeExtendedHandshake(encode({ swarmdrop_max_block: v as number })).maxBlock
    expect(at(65536)).toBe(65536)
    expect(at(131072)).toBe(131072)
    for (const bad of [16384, 40000, 262144, -131072, '131072']) expect(at(bad)).toBeUndefined()
  })

  const garbage: [string, Uint8Array][] = [
    ['empty', new Uint8Array(0)],
    ['not bencode', utf8.encode('hello')],
    ['truncated', utf8.encode('d1:md11:ut_metadatai3e')],
    ['a list', encode([1, 2])],
    ['trailing bytes', utf8.encode('de0')],
    ['m as a string', encode({ m: 'x' })],
    ['m with a non-integer id', encode({ m: { ut_metadata: 'x' } })],
    ['m with an id above 255', encode({ m: { ut_metadata: 256 } })],
    ['m with a negative id', encode({ m: { ut_metadata: -1 } })],
    ['too many extensions', encode({ m: Object.fromEntries(Array.from({ length: 129 }, (_, i) => [`x${i}`, 1])) })],
    ['metadata_size 0', encode({ metadata_size: 0 })],
    ['metadata_size huge', encode({ metadata_size: 2 ** 40 })],
    ['metadata_size as string', encode({ metadata_size: '5' })],
    ['deep nesting', utf8.encode('d1:x' + 'l'.repeat(100) + 'e'.repeat(100) + 'e')],
    ['oversized payload', new Uint8Array(65537)],
  ]
  for (const [what, payload] of garbage) {
    it(`refuses ${what} with a ProtocolError`, () => {
      expect(() => decodeExtendedHandshake(payload)).toThrow(ProtocolError)
    })
  }

  it('refuses to encode an id outside a byte', () => {
    expect(() => encodeExtendedHandshake({ m: { x: 300 } })).toThrow(RangeError)
  })
})
