// BEP 15 connection ids without state: the id proves that the client received our connect reply at
// its source address (so announces from a spoofed address are refused), and it expires. As aquatic
// and opentracker do, it is derived, not stored: 4 bytes of expiry time (seconds) and 4 bytes of
// HMAC-SHA256(server secret, expiry || address). Nothing is kept per connect, so a connect flood costs
// no memory. The secret is random per process (restarting invalidates ids: clients reconnect).

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

export type IdCheck = 'ok' | 'expired' | 'bad'

export class ConnectionIds {
  private readonly mac = Buffer.alloc(4)

  constructor(
    /** Seconds an id stays valid (BEP 15: clients use it for one minute, trackers accept it for two). */
    private readonly ttl: number,
    private readonly secret: Buffer = randomBytes(32),
  ) {}

  private sign(expires: number, ip: string, out: Buffer, at: number): void {
    const h = createHmac('sha256', this.secret)
    const t = Buffer.allocUnsafe(4)
    t.writeUInt32BE(expires >>> 0, 0)
    h.update(t)
    h.update(ip, 'latin1')
    h.digest().copy(out, at, 0, 4)
  }

  /** Write a fresh id for `ip` into `out` at `at` (8 bytes). `nowSeconds` from the tracker's clock. */
  issue(ip: string, nowSeconds: number, out: Buffer, at: number): void {
    const expires = (Math.floor(nowSeconds) + Math.ceil(this.ttl)) >>> 0
    out.writeUInt32BE(expires, at)
    this.sign(expires, ip, out, at + 4)
  }

  /** Is the id in `packet` at `at` one we gave `ip` within the last ttl seconds? */
  check(ip: string, nowSeconds: number, packet: Buffer, at: number): IdCheck {
    const expires = packet.readUInt32BE(at)
    const now = Math.floor(nowSeconds) >>> 0
    // Unsigned distance, so the check survives the 32-bit wrap of the seconds counter.
    const left = (expires - now) >>> 0
    this.sign(expires, ip, this.mac, 0)
    if (!timingSafeEqual(this.mac, packet.subarray(at + 4, at + 8))) return 'bad'
    return left <= Math.ceil(this.ttl) ? 'ok' : 'expired'
  }
}
