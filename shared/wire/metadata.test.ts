import { describe, expect, it } from 'vitest'
import { encode } from '../bencode/index.ts'
import { concatBytes, toBinaryString, utf8 } from '../bytes.ts'
import { ProtocolError } from '../errors.ts'
import { decodeMetadataMessage, encodeMetadataMessage, metadataPieceCount, metadataPieceLength } from './metadata.ts'

describe('BEP 9 ut_metadata messages', () => {
  it('encodes request and reject as BEP 9 shows them', () => {
    expect(toBinaryString(encodeMetadataMessage({ msgType: 'request', piece: 0 }))).toBe('d8:msg_typei0e5:piecei0ee')
    expect(toBinaryString(encodeMetadataMessage({ msgType: 'reject', piece: 3 }))).toBe('d8:msg_typei2e5:piecei3ee')
  })

  it('encodes data as the dict followed by the raw piece', () => {
    const data = utf8.encode('xyz')
    expect(toBinaryString(encodeMetadataMessage({ msgType: 'data', piece: 1, totalSize: 16387, data }))).toBe(
      'd8:msg_typei1e5:piecei1e10:total_sizei16387eexyz',
    )
  })

  it('round-trips each message type', () => {
    const full = new Uint8Array(16384).map((_, i) => i * 7)
    for (const m of [
      { msgType: 'request', piece: 5 },
      { msgType: 'reject', piece: 0 },
      { msgType: 'data', piece: 0, totalSize: 40000, data: full },
      { msgType: 'data', piece: 2, totalSize: 40000, data: full.subarray(0, 40000 - 32768) },
    ] as const) {
      expect(decodeMetadataMessage(encodeMetadataMessage(m))).toEqual(m)
    }
  })

  it('ignores an unknown msg_type (returns null)', () => {
    expect(decodeMetadataMessage(encode({ msg_type: 3, piece: 0 }))).toBeNull()
    expect(decodeMetadataMessage(encode({ msg_type: 99 }))).toBeNull()
  })

  it('sizes pieces: 16 KiB each, the last one short', () => {
    expect(metadataPieceCount(16384)).toBe(1)
    expect(metadataPieceCount(16385)).toBe(2)
    expect(metadataPieceLength(1, 16385)).toBe(1)
    expect(metadataPieceLength(2, 16385)).toBe(0)
  })

  const garbage: [string, Uint8Array][] = [
    ['empty', new Uint8Array(0)],
    ['not bencode', utf8.encode('xx')],
    ['not a dict', encode([0, 0])],
    ['no msg_type', encode({ piece: 0 })],
    ['msg_type as a string', encode({ msg_type: '0', piece: 0 })],
    ['no piece', encode({ msg_type: 0 })],
    ['a negative piece', encode({ msg_type: 0, piece: -1 })],
    ['a piece past any metadata', encode({ msg_type: 0, piece: 1024 })],
    ['stray bytes after a request', concatBytes([encode({ msg_type: 0, piece: 0 }), new Uint8Array(1)])],
    ['data without total_size', concatBytes([encode({ msg_type: 1, piece: 0 }), new Uint8Array(10)])],
    ['data with total_size 0', concatBytes([encode({ msg_type: 1, piece: 0, total_size: 0 }), new Uint8Array(0)])],
    ['data with total_size above the limit', concatBytes([encode({ msg_type: 1, piece: 0, total_size: 2 ** 25 }), new Uint8Array(16384)])],
    ['data past total_size', concatBytes([encode({ msg_type: 1, piece: 1, total_size: 16384 }), new Uint8Array(10)])],
    ['data shorter than its piece', concatBytes([encode({ msg_type: 1, piece: 0, total_size: 20000 }), new Uint8Array(16383)])],
    ['data longer than its piece', concatBytes([encode({ msg_type: 1, piece: 1, total_size: 20000 }), new Uint8Array(3617)])],
    ['a truncated dict', utf8.encode('d8:msg_typei1e5:piecei0e10:total_sizei5')],
  ]
  for (const [what, payload] of garbage) {
    it(`refuses ${what} with a ProtocolError`, () => {
      expect(() => decodeMetadataMessage(payload)).toThrow(ProtocolError)
    })
  }
})
