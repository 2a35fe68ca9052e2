// Every way the decoder refuses input: each a ProtocolError naming the message and the problem.
import { describe, expect, it } from 'vitest'
import { fromHex } from '../bytes.ts'
import { ProtocolError } from '../errors.ts'
import { WireDecoder } from './decoder.ts'
import { encodeHandshake } from './handshake.ts'
import { defaultLimits } from './limits.ts'
import { MessageId } from './messages.ts'

/** <u32 length><id><payload of `payloadLength` zero bytes>. */
function raw(id: number, payloadLength: number, fill = 0): Uint8Array {
  const out = new Uint8Array(5 + payloadLength).fill(fill)
  new DataView(out.buffer).setUint32(0, payloadLength + 1)
  out[4] = id
  return out
}

function decoder(pieceCount?: number): WireDecoder {
  return new WireDecoder({ expectHandshake: false, ...(pieceCount === undefined ? {} : { pieceCount }) })
}

const FIXED: [keyof typeof MessageId, number][] = [
  ['choke', 0],
  ['unchoke', 0],
  ['interested', 0],
  ['notInterested', 0],
  ['have', 4],
  ['request', 12],
  ['cancel', 12],
  ['port', 2],
  ['suggest', 4],
  ['haveAll', 0],
  ['haveNone', 0],
  ['reject', 12],
  ['allowedFast', 4],
  ['hashRequest', 48],
  ['hashReject', 48],
]

describe('WireDecoder refuses', () => {
  for (const [type, length] of FIXED) {
    for (const wrong of [length - 1, length + 1, length + 100].filter((n) => n >= 0)) {
      it(`${type} with a ${wrong}-byte payload, as soon as the header is in`, () => {
        const d = decoder()
        // Only the 5-byte header: the length is refused before any payload is buffered.
        expect(() => d.push(raw(MessageId[type], wrong).subarray(0, 5))).toThrow(
          new RegExp(`^${type}: payload length ${wrong}, expected ${length}$`),
        )
      })
    }
  }

  it('a length prefix above the limit, after exactly 4 bytes, holding almost nothing', () => {
    const d = decoder()
    expect(d.push(fromHex('ffffff'))).toEqual([])
    expect(d.buffered()).toBe(3)
    expect(() => d.push(fromHex('ff'))).toThrow(/message length 4294967295 exceeds the limit/)
    expect(d.buffered()).toBeLessThanOrEqual(4)
  })

  it('a length one above the limit, inside a larger chunk', () => {
    const limit = defaultLimits().maxMessageLength
    const bytes = new Uint8Array(100)
    new DataView(bytes.buffer).setUint32(0, limit + 1)
    expect(() => decoder().push(bytes)).toThrow(ProtocolError)
    // ... while the limit itself passes the prefix check (it is then a bitfield-sized message).
    new DataView(bytes.buffer).setUint32(0, limit)
    bytes[4] = MessageId.bitfield
    const d = decoder()
    expect(d.push(bytes)).toEqual([])
    expect(d.buffered()).toBe(100)
  })

  it('a bitfield with a spare bit set', () => {
    expect(() => decoder(10).push(fromHex('0000000305ffc0'))).not.toThrow()
    expect(() => decoder(10).push(fromHex('0000000305ffe0'))).toThrow(/^bitfield: spare bits after piece 9 are set$/)
    expect(() => decoder(10).push(fromHex('0000000305ff01'))).toThrow(/spare bits/)
  })

  it('a bitfield of the wrong size once the piece count is known', () => {
    expect(() => decoder(10).push(fromHex('0000000205ff'))).toThrow(/^bitfield: payload length 1, expected 2 for 10 pieces$/)
    expect(() => decoder(10).push(raw(MessageId.bitfield, 3))).toThrow(/bitfield: payload length 3/)
  })

  it('an empty or oversized bitfield while the piece count is unknown', () => {
    expect(() => decoder().push(raw(MessageId.bitfield, 0))).toThrow(/bitfield: payload length 0/)
    const max = defaultLimits().maxBitfieldLength
    // (by the overall prefix limit, which the bitfield bound sets)
    expect(() => decoder().push(raw(MessageId.bitfield, max + 1).subarray(0, 5))).toThrow(ProtocolError)
    const roomy = new WireDecoder({ expectHandshake: false, limits: { maxMessageLength: 2 * max } })
    expect(() => roomy.push(raw(MessageId.bitfield, max + 1).subarray(0, 5))).toThrow(/^bitfield: payload length 262145, expected 1..262144/)
    expect(decoder().push(raw(MessageId.bitfield, max, 0xff))).toHaveLength(1)
  })

  it('bounds bitfields exactly after setPieceCount (a magnet once metadata arrives)', () => {
    const d = decoder()
    expect(d.push(fromHex('0000000305ffff'))).toHaveLength(1)
    d.setPieceCount(12)
    expect(() => d.push(fromHex('0000000305ffff'))).toThrow(/spare bits after piece 11/)
  })

  it('a bitfield that no longer fits a piece count set while it was arriving', () => {
    const d = decoder()
    expect(d.push(fromHex('0000000405ffff'))).toEqual([])
    d.setPieceCount(8)
    expect(() => d.push(fromHex('ff'))).toThrow(/^bitfield: payload length 3, expected 1 for 8 pieces$/)
  })

  it('a piece with a block above 16 KiB, or an empty one', () => {
    expect(() => decoder().push(raw(MessageId.piece, 8 + 16385).subarray(0, 5))).toThrow(/^piece: payload length 16393, expected 9..16392/)
    expect(() => decoder().push(raw(MessageId.piece, 8))).toThrow(/piece: payload length 8/)
    expect(decoder().push(raw(MessageId.piece, 8 + 16384))).toHaveLength(1)
  })

  it('request, cancel and reject of 0 bytes or more than a block', () => {
    for (const type of ['request', 'cancel', 'reject'] as const) {
      const zero = raw(MessageId[type], 12)
      expect(() => decoder().push(zero)).toThrow(new RegExp(`^${type}: block length 0, expected 1..16384$`))
      const big = raw(MessageId[type], 12)
      new DataView(big.buffer).setUint32(13, 16385)
      expect(() => decoder().push(big)).toThrow(/block length 16385/)
    }
  })

  it('piece indices past the piece count, once known', () => {
    const have = fromHex('04' + '0000000a'.padStart(8, '0'))
    const msg = new Uint8Array([0, 0, 0, 5, ...have])
    expect(decoder(11).push(msg)).toEqual([{ type: 'have', index: 10 }])
    expect(() => decoder(10).push(msg)).toThrow(/^have: piece index 10 out of range \(10 pieces\)$/)
    const piece = raw(MessageId.piece, 9)
    piece[8] = 10
    expect(() => decoder(10).push(piece)).toThrow(/piece: piece index 10 out of range/)
  })

  it('unknown message ids', () => {
    for (const id of [10, 11, 12, 18, 19, 24, 255]) {
      expect(() => decoder().push(raw(id, 0))).toThrow(new RegExp(`^unknown message id ${id}$`))
    }
  })

  it('extended messages without an ext id byte, or above the extended limit', () => {
    expect(() => decoder().push(raw(MessageId.extended, 0))).toThrow(/^extended: payload length 0, expected 1..65536$/)
    expect(() => decoder().push(raw(MessageId.extended, 65537).subarray(0, 5))).toThrow(/extended: payload length 65537/)
  })

  it('hashes messages that are not 48 + 32n bytes', () => {
    expect(() => decoder().push(raw(MessageId.hashes, 47))).toThrow(/hashes: payload length 47/)
    expect(() => decoder().push(raw(MessageId.hashes, 49))).toThrow(/hashes: payload length 49/)
  })

  /** A hash message with this header (root of 0x01 bytes) and `hashCount` hashes after it. */
  const hashMessage = (id: number, base: number, index: number, length: number, proofs: number, hashCount = 0): Uint8Array => {
    const out = raw(id, 48 + 32 * hashCount, 1)
    const view = new DataView(out.buffer)
    ;[base, index, length, proofs].forEach((v, i) => view.setUint32(5 + 32 + 4 * i, v))
    return out
  }

  it('hashes whose count is not length plus the uncles of the proof layers (BEP 52)', () => {
    // length 4, 3 proof layers: the first log2(4) - 1 = 1 is covered by the base hashes, 2 uncles remain.
    expect(decoder().push(hashMessage(MessageId.hashes, 0, 0, 4, 3, 6))).toHaveLength(1)
    expect(() => decoder().push(hashMessage(MessageId.hashes, 0, 0, 4, 3, 5))).toThrow(/hashes: 5 hashes for length 4 with 3 proof layers, expected 6/)
    expect(() => decoder().push(hashMessage(MessageId.hashes, 0, 0, 4, 3, 7))).toThrow(/expected 6/)
    expect(decoder().push(hashMessage(MessageId.hashes, 1, 2, 2, 0, 2))).toHaveLength(1)
  })

  it.each([
    ['a zero length', 0, 0, 0, 0, /length 0, expected 1..8192/],
    ['a length above 8192 (libtorrent\'s bound)', 0, 0, 8193, 0, /length 8193, expected 1..8192/],
    ['a base layer beyond any tree', 64, 0, 2, 0, /base layer 64/],
    ['proof layers beyond any tree', 0, 0, 2, 64, /proof layers 64/],
    ['an index beyond any tree', 0, 2 ** 31, 2, 0, /index 2147483648/],
  ])('hash requests and rejects with %s', (_what, base, index, length, proofs, message) => {
    expect(() => decoder().push(hashMessage(MessageId.hashRequest, base, index, length, proofs))).toThrow(message)
    expect(() => decoder().push(hashMessage(MessageId.hashReject, base, index, length, proofs))).toThrow(message)
    expect(() => decoder().push(hashMessage(MessageId.hashes, base, index, length, proofs, 2))).toThrow(message)
  })

  it('a handshake with a wrong pstrlen on its first byte', () => {
    const d = new WireDecoder()
    expect(() => d.push(new Uint8Array([18]))).toThrow(/^handshake: pstrlen 18, expected 19$/)
  })

  it('a handshake with a wrong protocol string as soon as the differing byte arrives', () => {
    const good = encodeHandshake({ infoHash: new Uint8Array(20), peerId: new Uint8Array(20), reserved: new Uint8Array(8) })
    const bad = good.slice()
    bad[8] = 0x21
    const d = new WireDecoder()
    expect(d.push(bad.subarray(0, 8))).toEqual([])
    expect(() => d.push(bad.subarray(8, 9))).toThrow(/protocol string differs .* at byte 8/)
  })

  it('a stream that skips the handshake when one is expected', () => {
    expect(() => new WireDecoder().push(fromHex('000000050400000005'))).toThrow(/handshake: pstrlen 0/)
  })

  it('everything after the first error, with the same error', () => {
    const d = decoder()
    let first: unknown
    try {
      d.push(raw(99, 0))
    } catch (error) {
      first = error
    }
    expect(first).toBeInstanceOf(ProtocolError)
    expect(() => d.push(fromHex('0000000100'))).toThrow(first as Error)
    expect(d.buffered()).toBe(0)
  })

  it('honours custom limits', () => {
    const d = new WireDecoder({ expectHandshake: false, limits: { maxBlockLength: 1024, maxMessageLength: 2000 } })
    expect(() => d.push(raw(MessageId.piece, 8 + 1025).subarray(0, 5))).toThrow(/piece: payload length 1033, expected 9..1032/)
    const e = new WireDecoder({ expectHandshake: false, limits: { maxMessageLength: 2000 } })
    expect(() => e.push(fromHex('000007d1'))).toThrow(/message length 2001 exceeds the limit of 2000/)
  })

  it('setPieceCount with a nonsense count', () => {
    expect(() => decoder().setPieceCount(0)).toThrow(RangeError)
    expect(() => decoder().setPieceCount(1.5)).toThrow(RangeError)
  })
})
