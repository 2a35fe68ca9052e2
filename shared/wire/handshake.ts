// The 68-byte BitTorrent handshake (BEP 3) and the capability bits in its reserved bytes.
import { ProtocolError } from '../errors.ts'
import type { Capabilities, Handshake } from './messages.ts'

export const PROTOCOL = 'BitTorrent protocol'
export const HANDSHAKE_LENGTH = 68

const PSTR = new Uint8Array([...PROTOCOL].map((c) => c.charCodeAt(0)))

// Where each capability lives: [byte index in reserved, mask].
const BITS: Record<keyof Capabilities, readonly [number, number]> = {
  extended: [5, 0x10], // BEP 10
  fast: [7, 0x04], // BEP 6
  dht: [7, 0x01], // BEP 5
  v2: [7, 0x10], // BEP 52 upgrade bit
}

export function encodeHandshake(h: Handshake): Uint8Array {
  if (h.infoHash.length !== 20) throw new RangeError(`handshake: info hash must be 20 bytes, got ${h.infoHash.length}`)
  if (h.peerId.length !== 20) throw new RangeError(`handshake: peer id must be 20 bytes, got ${h.peerId.length}`)
  if (h.reserved.length !== 8) throw new RangeError(`handshake: reserved must be 8 bytes, got ${h.reserved.length}`)
  const out = new Uint8Array(HANDSHAKE_LENGTH)
  out[0] = PSTR.length
  out.set(PSTR, 1)
  out.set(h.reserved, 20)
  out.set(h.infoHash, 28)
  out.set(h.peerId, 48)
  return out
}

/** Decodes exactly 68 bytes. The fields are fresh copies (no view into `bytes`). */
export function decodeHandshake(bytes: Uint8Array): Handshake {
  if (bytes.length !== HANDSHAKE_LENGTH) {
    throw new ProtocolError(`handshake: expected ${HANDSHAKE_LENGTH} bytes, got ${bytes.length}`)
  }
  checkProtocolPrefix(bytes, 0)
  return {
    reserved: bytes.slice(20, 28),
    infoHash: bytes.slice(28, 48),
    peerId: bytes.slice(48, 68),
  }
}

/**
 * Checks the first `available` bytes of a handshake (pstrlen 19 + "BitTorrent protocol") so that a
 * wrong protocol is refused on its first byte, not after 68 have been buffered.
 */
export function checkProtocolPrefix(bytes: Uint8Array, from: number, to = bytes.length): void {
  for (let i = from; i < Math.min(to, 1 + PSTR.length); i++) {
    if (i === 0) {
      if (bytes[0] !== PSTR.length) throw new ProtocolError(`handshake: pstrlen ${bytes[0]}, expected ${PSTR.length}`)
    } else if (bytes[i] !== PSTR[i - 1]) {
      throw new ProtocolError(`handshake: protocol string differs from "${PROTOCOL}" at byte ${i}`)
    }
  }
}

export function capabilitiesOf(reserved: Uint8Array): Capabilities {
  const has = ([index, mask]: readonly [number, number]): boolean => ((reserved[index] ?? 0) & mask) !== 0
  return { extended: has(BITS.extended), fast: has(BITS.fast), dht: has(BITS.dht), v2: has(BITS.v2) }
}

export function reservedFor(caps: Partial<Capabilities>): Uint8Array {
  const reserved = new Uint8Array(8)
  for (const name of Object.keys(BITS) as (keyof Capabilities)[]) {
    if (caps[name]) {
      const [index, mask] = BITS[name]
      reserved[index] = (reserved[index] ?? 0) | mask
    }
  }
  return reserved
}
