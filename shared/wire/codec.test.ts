// encode -> decode for every message type, and exact bytes for hand-written vectors.
import { describe, expect, it } from 'vitest'
import { fromHex, toHex } from '../bytes.ts'
import { WireDecoder } from './decoder.ts'
import { encodeMessage, encodePieceParts } from './encoder.ts'
import type { Message } from './messages.ts'

function decodeOne(bytes: Uint8Array, pieceCount?: number): Message {
  const events = new WireDecoder({ expectHandshake: false, ...(pieceCount ? { pieceCount } : {}) }).push(bytes)
  expect(events).toHaveLength(1)
  return events[0] as Message
}

// Hand-written from BEP 3 / BEP 6 / BEP 10: <u32 length><u8 id><payload>.
const VECTORS: [Message, string][] = [
  [{ type: 'keepAlive' }, '00000000'],
  [{ type: 'choke' }, '0000000100'],
  [{ type: 'unchoke' }, '0000000101'],
  [{ type: 'interested' }, '0000000102'],
  [{ type: 'notInterested' }, '0000000103'],
  [{ type: 'have', index: 5 }, '000000050400000005'],
  [{ type: 'bitfield', bits: fromHex('ffe0') }, '0000000305ffe0'],
  [{ type: 'request', index: 1, begin: 0x4000, length: 0x4000 }, '0000000d06000000010000400000004000'],
  [{ type: 'piece', index: 2, begin: 16, block: fromHex('cafe') }, '0000000b07000000020000001' + '0cafe'],
  [{ type: 'cancel', index: 1, begin: 0x4000, length: 0x4000 }, '0000000d08000000010000400000004000'],
  [{ type: 'port', port: 6881 }, '00000003091ae1'],
  [{ type: 'suggest', index: 7 }, '000000050d00000007'],
  [{ type: 'haveAll' }, '000000010e'],
  [{ type: 'haveNone' }, '000000010f'],
  [{ type: 'reject', index: 3, begin: 0, length: 0x4000 }, '0000000d10000000030000000000004000'],
  [{ type: 'allowedFast', index: 10 }, '00000005110000000a'],
  [{ type: 'extended', extId: 0, payload: fromHex('6465') }, '000000041400' + '6465'],
  [{ type: 'extended', extId: 3, payload: new Uint8Array(0) }, '000000021403'],
  // BEP 52: pieces root, base layer, index, length, proof layers; `hashes` then base hashes and uncles.
  [{ type: 'hashRequest', piecesRoot: new Uint8Array(32).fill(1), baseLayer: 0, index: 4, length: 4, proofLayers: 2 }, '0000003115' + '01'.repeat(32) + '00000000' + '00000004' + '00000004' + '00000002'],
  [
    { type: 'hashes', piecesRoot: new Uint8Array(32).fill(2), baseLayer: 2, index: 0, length: 2, proofLayers: 1, hashes: fromHex('0a'.repeat(32) + '0b'.repeat(32) + '0c'.repeat(32)) },
    '0000009116' + '02'.repeat(32) + '00000002' + '00000000' + '00000002' + '00000001' + '0a'.repeat(32) + '0b'.repeat(32) + '0c'.repeat(32),
  ],
  [{ type: 'hashReject', piecesRoot: new Uint8Array(32).fill(3), baseLayer: 2, index: 512, length: 512, proofLayers: 0 }, '0000003117' + '03'.repeat(32) + '00000002' + '00000200' + '00000200' + '00000000'],
]

describe('message codec', () => {
  for (const [message, hex] of VECTORS) {
    it(`${message.type}: encodes to ${hex.length > 40 ? hex.slice(0, 40) + '...' : hex} and decodes back`, () => {
      expect(toHex(encodeMessage(message))).toBe(hex)
      expect(decodeOne(fromHex(hex), 11)).toEqual(message)
    })
  }

  it('covers every message type', () => {
    expect(new Set(VECTORS.map(([m]) => m.type)).size).toBe(20)
  })

  it('encodes a piece as [header, block] with the same bytes and no copy of the block', () => {
    const block = new Uint8Array(16384).map((_, i) => i & 0xff)
    const [header, same] = encodePieceParts(9, 32768, block)
    expect(same).toBe(block)
    expect(toHex(header)).toBe('00004009' + '07' + '00000009' + '00008000')
    expect(toHex(new Uint8Array([...header, ...same]))).toBe(toHex(encodeMessage({ type: 'piece', index: 9, begin: 32768, block })))
  })

  it('refuses to encode out-of-range fields', () => {
    expect(() => encodeMessage({ type: 'have', index: -1 })).toThrow(RangeError)
    expect(() => encodeMessage({ type: 'have', index: 2 ** 32 })).toThrow(RangeError)
    expect(() => encodeMessage({ type: 'request', index: 0, begin: 1.5, length: 1 })).toThrow(RangeError)
    expect(() => encodeMessage({ type: 'port', port: 65536 })).toThrow(RangeError)
    expect(() => encodeMessage({ type: 'extended', extId: 256, payload: new Uint8Array(0) })).toThrow(RangeError)
    const request = { piecesRoot: new Uint8Array(32), baseLayer: 0, index: 0, length: 2, proofLayers: 0 }
    expect(() => encodeMessage({ type: 'hashRequest', ...request, piecesRoot: new Uint8Array(20) })).toThrow(RangeError)
    expect(() => encodeMessage({ type: 'hashReject', ...request, index: -1 })).toThrow(RangeError)
    expect(() => encodeMessage({ type: 'hashes', ...request, hashes: new Uint8Array(33) })).toThrow(RangeError)
  })

  it('hands out payloads that do not alias the input chunk', () => {
    const bytes = encodeMessage({ type: 'piece', index: 0, begin: 0, block: new Uint8Array([1, 2, 3]) })
    const m = decodeOne(bytes)
    bytes.fill(0)
    expect(m).toEqual({ type: 'piece', index: 0, begin: 0, block: new Uint8Array([1, 2, 3]) })
  })

  it('with borrowBlocks, hands out a piece block wholly inside the chunk as a view of it (other payloads still copied)', () => {
    const piece = encodeMessage({ type: 'piece', index: 0, begin: 0, block: new Uint8Array([1, 2, 3]) })
    const have = encodeMessage({ type: 'have', index: 9 })
    const chunk = new Uint8Array(piece.length + have.length)
    chunk.set(piece)
    chunk.set(have, piece.length)
    const decoder = new WireDecoder({ expectHandshake: false, borrowBlocks: true })
    const [m, h] = decoder.push(chunk)
    expect(m).toEqual({ type: 'piece', index: 0, begin: 0, block: new Uint8Array([1, 2, 3]) })
    expect(h).toEqual({ type: 'have', index: 9 })
    if (m?.type !== 'piece') throw new Error('not a piece')
    expect(m.block.buffer).toBe(chunk.buffer)
    // Split across chunks, the block is assembled in a buffer of its own as before.
    const split = new WireDecoder({ expectHandshake: false, borrowBlocks: true })
    expect(split.push(piece.subarray(0, 10))).toEqual([])
    const [late] = split.push(piece.subarray(10))
    if (late?.type !== 'piece') throw new Error('not a piece')
    expect(late.block.buffer).not.toBe(piece.buffer)
    expect(late.block).toEqual(new Uint8Array([1, 2, 3]))
  })

  it('decodes u32 fields above 2^31 as positive numbers', () => {
    const m = { type: 'request', index: 0, begin: 0xfffffff0, length: 16 } as const
    expect(decodeOne(encodeMessage(m))).toEqual(m)
  })
})
