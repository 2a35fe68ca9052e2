import { ProtocolError } from '../errors.ts'
import { Bitfield } from './bitfield.ts'
import type { Limits } from './limits.ts'
import { RateMeter } from './rates.ts'

/**
 * What we know about one peer: the four choke/interest flags (BEP 3), its pieces, allowed-fast sets
 * (BEP 6), rates and totals. Before a magnet's metadata arrives the piece count is unknown, so the
 * peer's announcement is kept raw (bounded by the decoder) and replayed once it is known.
 */
export class PeerState {
  amChoking = true
  amInterested = false
  peerChoking = true
  peerInterested = false
  unchokedAt: number | undefined
  lastBlockAt: number | undefined
  pieces: Bitfield | null = null
  /** Pieces the peer lets us request while choked (BEP 6), bounded. */
  readonly allowedFast = new Set<number>()
  /** Pieces we let the peer request while choked: its BEP 6 allowed-fast set, granted when we know its IPv4 address. */
  readonly allowedFastForPeer = new Set<number>()
  readonly download: RateMeter
  readonly upload: RateMeter
  private pendingBits: Uint8Array | boolean | null = null
  private pendingHaves = new Set<number>()

  constructor(readonly connectedAt: number, rateWindowMs: number) {
    this.download = new RateMeter(rateWindowMs)
    this.upload = new RateMeter(rateWindowMs)
  }

  get isSeed(): boolean {
    return this.pieces?.isFull() ?? this.pendingBits === true
  }

  downloaded(bytes: number, now: number): void {
    this.download.add(bytes, now)
    this.lastBlockAt = now
  }

  uploaded(bytes: number, now: number): void {
    this.upload.add(bytes, now)
  }

  /** A bitfield (raw bits), have all (true) or have none (false). */
  setPieces(p: Uint8Array | boolean): void {
    this.pendingBits = p
    if (this.pieces) this.apply(this.pieces.length)
  }

  /**
   * A bitfield after the peer's first announcement (aria2 sends its whole bitfield again mid-connection;
   * libtorrent accepts that too): it replaces what we knew. Returns the set it replaced, or null while
   * the piece count is unknown (a magnet: the bits wait, as the first ones would). Throws ProtocolError,
   * changing nothing, when the bits do not fit the torrent.
   */
  replaceBitfield(bits: Uint8Array): Bitfield | null {
    if (!this.pieces) {
      this.pendingBits = bits
      return null
    }
    const next = Bitfield.fromWire(bits, this.pieces.length)
    const before = this.pieces
    this.pieces = next
    return before
  }

  /** Returns true if the peer's piece set grew. */
  addHave(index: number, limits: Limits): boolean {
    if (this.pieces) {
      if (index >= this.pieces.length) throw new ProtocolError(`have ${index} beyond ${this.pieces.length} pieces`)
      return this.pieces.set(index)
    }
    if (this.pendingHaves.size < limits.maxPendingHaves) this.pendingHaves.add(index)
    return false
  }

  addAllowedFast(index: number, limits: Limits): void {
    if (this.pieces && index >= this.pieces.length) return
    if (this.allowedFast.size < limits.maxAllowedFast) this.allowedFast.add(index)
  }

  setPieceCount(n: number): void {
    if (this.pieces) return
    this.pieces = new Bitfield(n)
    this.apply(n)
  }

  private apply(n: number): void {
    const p = this.pendingBits
    if (p instanceof Uint8Array) {
      const field = Bitfield.fromWire(p, n)
      this.pieces = field
    } else if (p === true) {
      this.pieces = Bitfield.full(n)
    } else {
      this.pieces ??= new Bitfield(n)
    }
    this.pendingBits = null
    for (const i of this.pendingHaves) {
      if (i >= n) throw new ProtocolError(`have ${i} beyond ${n} pieces`)
      this.pieces.set(i)
    }
    this.pendingHaves.clear()
  }
}
