// Deterministic random inputs for the fuzz test: a seeded PRNG, valid wire streams built from it, and
// the mutations applied to them (flips, truncations, splices, forged length prefixes, chunking).
import { concatBytes } from '../../bytes.ts'
import { encodeMessage } from '../encoder.ts'
import { encodeHandshake } from '../handshake.ts'
import type { HashRequest, Message } from '../messages.ts'
import { proofHashCount } from '../hash-messages.ts'

/** The shared seeded PRNG (mulberry32), under the name the fuzz code uses. */
export { seededRandom as prng } from '../../test-support/random.ts'

export class Rand {
  constructor(readonly next: () => number) {}
  int(maxExclusive: number): number {
    return Math.floor(this.next() * maxExclusive)
  }
  range(min: number, max: number): number {
    return min + this.int(max - min + 1)
  }
  chance(p: number): boolean {
    return this.next() < p
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T
  }
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n)
    for (let i = 0; i < n; i += 4) {
      const x = Math.floor(this.next() * 4294967296)
      for (let k = 0; k < 4 && i + k < n; k++) out[i + k] = (x >>> (8 * k)) & 0xff
    }
    return out
  }
}

/** A BEP 52 hash message header within the codec's bounds (small lengths: cheap hashes). */
function hashHeader(r: Rand): HashRequest {
  return { piecesRoot: r.bytes(32), baseLayer: r.int(64), index: r.int(2 ** 31), length: r.range(1, 16), proofLayers: r.int(8) }
}

/** A valid message for a torrent of `pieceCount` pieces (bitfield spare bits zero). */
export function randomMessage(r: Rand, pieceCount: number): Message {
  const index = r.int(pieceCount)
  const ref = { index, begin: r.int(2 ** 32), length: r.range(1, 16384) }
  switch (r.int(14)) {
    case 0:
      return { type: r.pick(['keepAlive', 'choke', 'unchoke', 'interested', 'notInterested', 'haveAll', 'haveNone'] as const) }
    case 1:
    case 2:
      return { type: r.pick(['have', 'suggest', 'allowedFast'] as const), index }
    case 3:
    case 4:
      return { type: r.pick(['request', 'cancel', 'reject'] as const), ...ref }
    case 5: {
      const bits = r.bytes(Math.ceil(pieceCount / 8))
      const spare = bits.length * 8 - pieceCount
      bits[bits.length - 1] = (bits[bits.length - 1] ?? 0) & ~((1 << spare) - 1) & 0xff
      return { type: 'bitfield', bits }
    }
    case 6:
    case 7:
      return { type: 'piece', index, begin: r.int(2 ** 20), block: r.bytes(r.chance(0.05) ? 16384 : r.range(1, 300)) }
    case 8:
      return { type: 'port', port: r.int(65536) }
    case 9:
    case 10:
      return { type: 'extended', extId: r.int(256), payload: r.bytes(r.int(200)) }
    case 11:
      return { type: r.pick(['hashRequest', 'hashReject'] as const), ...hashHeader(r) }
    case 12: {
      const h = hashHeader(r)
      return { type: 'hashes', ...h, hashes: r.bytes(32 * (h.length + proofHashCount(h.length, h.proofLayers))) }
    }
    default:
      return { type: 'keepAlive' }
  }
}

export function validStream(r: Rand, pieceCount: number, withHandshake: boolean): Uint8Array {
  const parts: Uint8Array[] = []
  if (withHandshake) parts.push(encodeHandshake({ infoHash: r.bytes(20), peerId: r.bytes(20), reserved: r.bytes(8) }))
  const n = r.int(12)
  for (let i = 0; i < n; i++) parts.push(encodeMessage(randomMessage(r, pieceCount)))
  return concatBytes(parts)
}

/** Length prefixes that sit on the edges of every rule. */
const INTERESTING_LENGTHS = [0, 1, 2, 3, 5, 9, 13, 16393, 16394, 65537, 65538, 262145, 262146, 0x7fffffff, 0x80000000, 0xffffffff]

/** One to four mutations of `input` (which may come back unchanged in length or content). */
export function mutate(r: Rand, input: Uint8Array, other: Uint8Array): Uint8Array {
  let b: Uint8Array = input.slice()
  const rounds = r.range(1, 4)
  for (let i = 0; i < rounds; i++) {
    switch (r.int(8)) {
      case 0: // bit flips
        for (let k = r.range(1, 4); k > 0 && b.length > 0; k--) {
          const at = r.int(b.length)
          b[at] = (b[at] ?? 0) ^ (1 << r.int(8))
        }
        break
      case 1: // random bytes overwritten
        for (let k = r.range(1, 4); k > 0 && b.length > 0; k--) b[r.int(b.length)] = r.int(256)
        break
      case 2: // truncation
        b = b.slice(0, r.int(b.length + 1))
        break
      case 3: // splice with another stream
        b = concatBytes([b.subarray(0, r.int(b.length + 1)), other.subarray(r.int(other.length + 1))])
        break
      case 4: {
        // a forged length prefix somewhere
        const at = r.int(b.length + 1)
        const prefix = new Uint8Array(4)
        new DataView(prefix.buffer).setUint32(0, r.chance(0.7) ? r.pick(INTERESTING_LENGTHS) : r.int(2 ** 32))
        b = concatBytes([b.subarray(0, at), prefix, r.chance(0.5) ? new Uint8Array([r.int(30)]) : new Uint8Array(0), b.subarray(at)])
        break
      }
      case 5: {
        // a range duplicated
        const from = r.int(b.length + 1)
        const to = Math.min(b.length, from + r.int(64))
        b = concatBytes([b.subarray(0, to), b.subarray(from, to), b.subarray(to)])
        break
      }
      case 6: {
        // a range deleted
        const from = r.int(b.length + 1)
        b = concatBytes([b.subarray(0, from), b.subarray(Math.min(b.length, from + r.int(32)))])
        break
      }
      default: // random garbage inserted
        b = concatBytes([b.subarray(0, r.int(b.length + 1)), r.bytes(r.int(40)), b.subarray(r.int(b.length + 1))])
    }
  }
  return b
}

/** Random chunk boundaries: one byte at a time, all at once, or random sizes. */
export function chunk(r: Rand, b: Uint8Array): Uint8Array[] {
  const mode = r.int(4)
  if (mode === 0) return [b]
  if (mode === 1 && b.length <= 4096) return Array.from(b, (x) => new Uint8Array([x]))
  const out: Uint8Array[] = []
  for (let at = 0; at < b.length; ) {
    const n = r.chance(0.3) ? r.range(1, 8) : r.range(1, 2048)
    out.push(b.subarray(at, at + n))
    at += n
  }
  return out
}
