import { bytesEqual } from '../bytes.ts'
import { HASH_SIZE } from '../merkle/index.ts'
import type { PieceBuffer } from './piece-buffer.ts'

// v2 pieces that failed their check (BEP 52). Instead of blaming every sender of a block, as v1 must
// (and banning only after repeated failures, since blame is shared), the piece is kept while its
// leaves (the SHA-256 of each 16 KiB block, proven against the piece's hash) are fetched from a peer;
// the blocks whose hash differs are the corrupt ones, and their senders are named on that evidence
// alone. Only those blocks are fetched again. The leaves stay known until the
// piece verifies, so a second corrupt block in it is named at once.

interface Suspect {
  buffer: PieceBuffer
  /** The leaves of what we received. */
  ours: Uint8Array
  /** The true leaves as they arrive; `got` marks those received, `missing` counts the others. */
  truth: Uint8Array
  got: Uint8Array
  missing: number
  since: number
}

export interface Evidence {
  buffer: PieceBuffer
  ours: Uint8Array
  truth: Uint8Array
}

export class SuspectPieces {
  private readonly awaiting = new Map<number, Suspect>()
  private readonly known = new Map<number, Uint8Array>()

  /** Pieces whose leaves we know (bounded by the pieces in flight: dropped when verified). */
  constructor(private readonly maxKnown: number) {}

  knownLeaves(piece: number): Uint8Array | null {
    return this.known.get(piece) ?? null
  }

  isAwaiting(piece: number): boolean {
    return this.awaiting.has(piece)
  }

  /** Keep `buffer` (a failed piece) until its `width` leaves arrive. */
  await(piece: number, buffer: PieceBuffer, ours: Uint8Array, width: number, now: number): void {
    this.awaiting.set(piece, { buffer, ours, truth: new Uint8Array(width * HASH_SIZE), got: new Uint8Array(width), missing: width, since: now })
  }

  /** Leaves arrived (already proven); the evidence once the piece's are all here. */
  leaves(piece: number, first: number, hashes: Uint8Array): Evidence | null {
    const s = this.awaiting.get(piece)
    if (!s || (first + hashes.length / HASH_SIZE) * HASH_SIZE > s.truth.length) return null
    s.truth.set(hashes, first * HASH_SIZE)
    for (let i = first; i < first + hashes.length / HASH_SIZE; i++) {
      if (s.got[i] === 0) s.missing--
      s.got[i] = 1
    }
    if (s.missing > 0) return null
    this.awaiting.delete(piece)
    this.known.set(piece, s.truth)
    while (this.known.size > this.maxKnown) this.known.delete(this.known.keys().next().value!)
    return { buffer: s.buffer, ours: s.ours, truth: s.truth }
  }

  /** Suspects that waited `timeoutMs` for their leaves: the caller blames them the v1 way. */
  expired(now: number, timeoutMs: number): { piece: number; buffer: PieceBuffer }[] {
    const out: { piece: number; buffer: PieceBuffer }[] = []
    for (const [piece, s] of this.awaiting) {
      if (now - s.since < timeoutMs) continue
      this.awaiting.delete(piece)
      out.push({ piece, buffer: s.buffer })
    }
    return out
  }

  /** The piece verified (or left the torrent's wants): forget what we held for it. */
  settled(piece: number): void {
    this.awaiting.delete(piece)
    this.known.delete(piece)
  }
}

/** Indices of the 16 KiB blocks whose hash in `ours` differs from `truth` (only blocks we hashed). */
export function corruptBlocks(ours: Uint8Array, truth: Uint8Array): number[] {
  const out: number[] = []
  for (let b = 0; b * HASH_SIZE < ours.length; b++) {
    if (!bytesEqual(ours.subarray(b * HASH_SIZE, (b + 1) * HASH_SIZE), truth.subarray(b * HASH_SIZE, (b + 1) * HASH_SIZE))) out.push(b)
  }
  return out
}
