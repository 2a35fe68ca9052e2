// BEP 15 connection ids without state: the id proves that the client received our connect reply at
// its source address (so announces from a spoofed address are refused), and it expires. As aquatic
// and opentracker do, it is derived, not stored: 4 bytes of expiry time (seconds) and 4 bytes of a
// keyed hash of (expiry, address) under a random per-process key. Nothing is kept per connect, so a
// connect flood costs no memory; a restart (a new key) makes clients connect again.
//
// The keyed hash is SipHash-2-4 (the `siphash` package), a PRF made for short inputs: HMAC-SHA256
// through node:crypto was a third of the CPU of a UDP announce (object creation per call, measured
// with a CPU profile of the handler), SipHash under a tenth of it.

import { randomBytes } from 'node:crypto'
import siphash from 'siphash'

export type IdCheck = 'ok' | 'expired' | 'bad'

export class ConnectionIds {
  private readonly key: Uint32Array
  /** expiry (4 bytes) + address (4 or 16 bytes), reused for every call. */
  private readonly message = new Uint8Array(20)

  constructor(
    /** Seconds an id stays valid (BEP 15: clients use it for one minute, trackers accept it for two). */
    private readonly ttl: number,
    key: Uint8Array = randomBytes(16),
  ) {
    // SipHash takes a 128-bit key: the first 16 bytes of a longer shared secret (tracker/redis).
    if (key.length < 16) throw new RangeError(`connection-id key: 16 bytes or more, got ${key.length}`)
    this.key = new Uint32Array(key.buffer.slice(key.byteOffset, key.byteOffset + 16))
  }

  /** The 32-bit tag of (expiry, address): `address` is the binary string of its 4 or 16 bytes. */
  private tag(expires: number, address: string): number {
    const m = this.message
    m[0] = expires >>> 24
    m[1] = (expires >>> 16) & 0xff
    m[2] = (expires >>> 8) & 0xff
    m[3] = expires & 0xff
    for (let i = 0; i < address.length; i++) m[4 + i] = address.charCodeAt(i)
    return siphash.hash(this.key, m.subarray(0, 4 + address.length)).l >>> 0
  }

  /** Write a fresh id for `address` (its 4 or 16 bytes) into `out` at `at` (8 bytes). */
  issue(address: string, nowSeconds: number, out: Buffer, at: number): void {
    const expires = (Math.floor(nowSeconds) + Math.ceil(this.ttl)) >>> 0
    out.writeUInt32BE(expires, at)
    out.writeUInt32BE(this.tag(expires, address), at + 4)
  }

  /** Is the id in `packet` at `at` one we gave `address` within the last ttl seconds? */
  check(address: string, nowSeconds: number, packet: Buffer, at: number): IdCheck {
    const expires = packet.readUInt32BE(at)
    if (packet.readUInt32BE(at + 4) !== this.tag(expires, address)) return 'bad'
    // Unsigned distance, so the check survives the 32-bit wrap of the seconds counter.
    const left = (expires - (Math.floor(nowSeconds) >>> 0)) >>> 0
    return left <= Math.ceil(this.ttl) ? 'ok' : 'expired'
  }
}
