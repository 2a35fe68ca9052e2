// fast-check generators for valid peer-wire messages, and helpers to run byte streams through a decoder.
import fc from 'fast-check'
import { encodeHandshake } from '../handshake.ts'
import type { Handshake, Message } from '../messages.ts'
import { BLOCK_SIZE } from '../limits.ts'
import { bitfieldLength } from '../payload.ts'
import { proofHashCount } from '../hash-messages.ts'
import { WireDecoder, type WireEvent } from '../decoder.ts'

const u32 = fc.nat({ max: 0xffffffff })

export function arbHandshake(): fc.Arbitrary<Handshake> {
  return fc.record({
    infoHash: fc.uint8Array({ minLength: 20, maxLength: 20 }),
    peerId: fc.uint8Array({ minLength: 20, maxLength: 20 }),
    reserved: fc.uint8Array({ minLength: 8, maxLength: 8 }),
  })
}

/** A bitfield for `pieceCount` pieces with the spare bits zero, as BEP 3 requires. */
export function arbBitfield(pieceCount: number): fc.Arbitrary<Uint8Array> {
  return fc.uint8Array({ minLength: bitfieldLength(pieceCount), maxLength: bitfieldLength(pieceCount) }).map((bits) => {
    const spare = bits.length * 8 - pieceCount
    if (spare > 0) bits[bits.length - 1] = (bits[bits.length - 1] ?? 0) & ~((1 << spare) - 1) & 0xff
    return bits
  })
}

/** A BEP 52 hash message header within the codec's bounds. */
const arbHashHeader = fc.record({
  piecesRoot: fc.uint8Array({ minLength: 32, maxLength: 32 }),
  baseLayer: fc.nat({ max: 63 }),
  index: fc.nat({ max: 0x7fffffff }),
  length: fc.integer({ min: 1, max: 16 }),
  proofLayers: fc.nat({ max: 63 }),
})

/** Any message the decoder accepts for a torrent of `pieceCount` pieces. */
export function arbMessage(pieceCount: number): fc.Arbitrary<Message> {
  const index = fc.nat({ max: pieceCount - 1 })
  const blockLength = fc.integer({ min: 1, max: BLOCK_SIZE })
  const ref = fc.record({ index, begin: u32, length: blockLength })
  const bytes = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max })
  return fc.oneof(
    fc.constantFrom<Message>(
      { type: 'keepAlive' },
      { type: 'choke' },
      { type: 'unchoke' },
      { type: 'interested' },
      { type: 'notInterested' },
      { type: 'haveAll' },
      { type: 'haveNone' },
    ),
    fc.record({ type: fc.constantFrom('have', 'suggest', 'allowedFast'), index }) as fc.Arbitrary<Message>,
    fc.record({ type: fc.constantFrom('request', 'cancel', 'reject'), ref }).map(({ type, ref }) => ({ type, ...ref }) as Message),
    arbBitfield(pieceCount).map((bits): Message => ({ type: 'bitfield', bits })),
    fc.record({ index, begin: u32, block: bytes(1, 600) }).map((m): Message => ({ type: 'piece', ...m })),
    // Full 16 KiB blocks, filled cheaply (the content does not matter, only its length and bytes).
    fc.record({ index, begin: u32, fill: fc.nat({ max: 255 }) }).map(
      ({ index, begin, fill }): Message => ({ type: 'piece', index, begin, block: new Uint8Array(BLOCK_SIZE).fill(fill) }),
    ),
    fc.nat({ max: 0xffff }).map((port): Message => ({ type: 'port', port })),
    fc.record({ extId: fc.nat({ max: 255 }), payload: bytes(0, 300) }).map((m): Message => ({ type: 'extended', ...m })),
    fc.record({ type: fc.constantFrom('hashRequest', 'hashReject'), h: arbHashHeader }).map(({ type, h }) => ({ type, ...h }) as Message),
    arbHashHeader.chain((h) => {
      const n = 32 * (h.length + proofHashCount(h.length, h.proofLayers))
      return bytes(n, n).map((hashes): Message => ({ type: 'hashes', ...h, hashes }))
    }),
  )
}

/** Split `bytes` at the given cut points (sorted, deduplicated, within range). */
export function splitAt(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => Math.max(0, Math.min(bytes.length, c))))].sort((a, b) => a - b)
  const chunks: Uint8Array[] = []
  let from = 0
  for (const p of points) {
    if (p > from) chunks.push(bytes.slice(from, p))
    from = p
  }
  if (from < bytes.length) chunks.push(bytes.slice(from))
  return chunks
}

export function decodeAll(decoder: WireDecoder, chunks: readonly Uint8Array[]): WireEvent[] {
  const events: WireEvent[] = []
  for (const c of chunks) events.push(...decoder.push(c))
  return events
}

export function handshakeBytes(h: Handshake): Uint8Array {
  return encodeHandshake(h)
}

/** Events with every byte array as hex: vitest's deep equality walks typed arrays element by element
 * (seconds for a few hundred KiB), while strings compare at once. */
export function comparable(events: readonly unknown[]): unknown[] {
  const hexify = (v: unknown): unknown => {
    if (v instanceof Uint8Array) return `bytes:${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex')}`
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, hexify(x)]))
    return v
  }
  return events.map(hexify)
}
