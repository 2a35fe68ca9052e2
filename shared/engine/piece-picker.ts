import type { BlockRef } from '../wire/messages.ts'
import { Bitfield } from './bitfield.ts'
import { BLOCK_SIZE } from './limits.ts'

// Which blocks to request next. Knows pieces, blocks, availability and priorities; knows nothing of
// peers beyond the bitfield it is handed (libtorrent's piece_picker). Order of preference:
//   0. deadline pieces (streaming: the pieces under a player's playhead, then its read-ahead), most
//      urgent first: their free blocks, starting them even past the in-flight cap (they are bounded
//      by maxDeadlinePieces) so a seek does not wait for the rest of the swarm's pieces to finish;
//   1. free blocks of pieces already started (strict priority: finish before starting more),
//   2. a new piece of the highest priority there is (high files before normal ones), then: lowest
//      index in sequential mode, at random for the first few pieces (something to trade quickly),
//      then rarest first (fewest peers have it; ties at random),
//   3. endgame: when every missing block is already requested, blocks requested from other peers
//      (the caller cancels the duplicates when one arrives).

const FREE = 0
const REQUESTED = 1
const RECEIVED = 2

interface PartialPiece {
  state: Uint8Array // FREE / REQUESTED / RECEIVED per block
  requests: Uint8Array // how many peers a block is requested from (endgame may exceed 1)
  free: number
  received: number
}

export interface PickerOptions {
  pieceCount: number
  pieceLength: number
  totalLength: number
  maxPiecesInFlight: number
  /** Deadline pieces remembered at most (setDeadlines keeps the most urgent). */
  maxDeadlinePieces?: number
  randomFirstPieces: number
  random: () => number
}

/** Endgame: a block may be requested from this many peers at once besides the first (measured: 1 finishes
 * a 1 -> 10 swarm sooner than 2 and wastes less; 0 means no endgame). */
const MAX_ENDGAME_DUPLICATES = 1

export class PiecePicker {
  readonly have: Bitfield
  readonly availability: Uint32Array
  /** 0 = do not download (skipped file); higher = wanted, and started before lower (2 high, 1 normal). */
  readonly priority: Uint8Array
  sequential = false
  private readonly partial = new Map<number, PartialPiece>()
  private deadlines: number[] = []

  constructor(private readonly o: PickerOptions) {
    this.have = new Bitfield(o.pieceCount)
    this.availability = new Uint32Array(o.pieceCount)
    this.priority = new Uint8Array(o.pieceCount).fill(1)
  }

  get pieceCount(): number {
    return this.o.pieceCount
  }

  pieceSize(index: number): number {
    const last = this.o.pieceCount - 1
    return index === last ? this.o.totalLength - last * this.o.pieceLength : this.o.pieceLength
  }

  blockCount(index: number): number {
    return Math.ceil(this.pieceSize(index) / BLOCK_SIZE)
  }

  blockRef(index: number, block: number): BlockRef {
    const begin = block * BLOCK_SIZE
    return { index, begin, length: Math.min(BLOCK_SIZE, this.pieceSize(index) - begin) }
  }

  /**
   * A request is for whole blocks of ours: aligned, a whole number of blocks or up to the piece's
   * end, inside the piece. (How long a request may be is the session's rule, not the picker's.)
   */
  isValidBlock(ref: BlockRef): boolean {
    if (!Number.isInteger(ref.index) || ref.index < 0 || ref.index >= this.o.pieceCount) return false
    if (!Number.isInteger(ref.begin) || !Number.isInteger(ref.length) || ref.begin % BLOCK_SIZE !== 0 || ref.length <= 0) return false
    const size = this.pieceSize(ref.index)
    const end = ref.begin + ref.length
    return end <= size && (ref.length % BLOCK_SIZE === 0 || end === size)
  }

  /** The blocks a request of whole blocks covers, in order. */
  blocksOf(ref: BlockRef): BlockRef[] {
    const out: BlockRef[] = []
    for (let begin = ref.begin; begin < ref.begin + ref.length; begin += BLOCK_SIZE) out.push(this.blockRef(ref.index, begin / BLOCK_SIZE))
    return out
  }

  wanted(index: number): boolean {
    return !this.have.has(index) && (this.priority[index] ?? 0) > 0
  }

  /** Every wanted piece is verified. */
  isDone(): boolean {
    for (let i = 0; i < this.o.pieceCount; i++) if (this.wanted(i)) return false
    return true
  }

  /** Whether a peer with these pieces has anything we want. */
  interestedIn(peer: Bitfield): boolean {
    for (let i = 0; i < this.o.pieceCount; i++) if (peer.has(i) && this.wanted(i)) return true
    return false
  }

  addAvailability(peer: Bitfield): void {
    for (const i of peer.indices()) this.availability[i] = (this.availability[i] ?? 0) + 1
  }

  removeAvailability(peer: Bitfield): void {
    for (const i of peer.indices()) this.availability[i] = Math.max(0, (this.availability[i] ?? 0) - 1)
  }

  incrementAvailability(index: number): void {
    this.availability[index] = (this.availability[index] ?? 0) + 1
  }

  /** Pieces that may be in flight at once (their blocks in memory). */
  get maxPiecesInFlight(): number {
    return this.o.maxPiecesInFlight
  }

  piecesInFlight(): number {
    return this.partial.size
  }

  /** Whether a piece has blocks requested or received (not yet verified). */
  inFlight(index: number): boolean {
    return this.partial.has(index)
  }

  /**
   * Up to `max` blocks to request from a peer holding `peer`. `mine(index, begin)` says whether this
   * peer already has that block outstanding (endgame must not ask the same peer twice).
   * The returned blocks are marked requested.
   */
  pick(peer: Bitfield, max: number, mine: (index: number, begin: number) => boolean): BlockRef[] {
    const out: BlockRef[] = []
    if (max <= 0) return out
    for (const index of this.deadlines) {
      if (out.length >= max) return out
      if (!peer.has(index) || !this.wanted(index)) continue
      const p = this.partial.get(index) ?? this.start(index)
      if (p.free > 0) this.takeFree(index, p, max, out)
    }
    for (const [index, p] of this.partial) {
      if (out.length >= max) return out
      if (p.free > 0 && peer.has(index) && this.wanted(index)) this.takeFree(index, p, max, out)
    }
    while (out.length < max && this.partial.size < this.o.maxPiecesInFlight) {
      const index = this.choosePiece(peer)
      if (index < 0) break
      const p = this.start(index)
      this.takeFree(index, p, max, out)
    }
    if (out.length === 0 && this.inEndgame()) this.takeEndgame(peer, max, mine, out)
    return out
  }

  /**
   * The pieces wanted soonest, most urgent first (a player's playhead, then its read-ahead); replaces
   * the previous list (a seek moves the deadline). Pieces already verified or out of range are dropped.
   */
  setDeadlines(pieces: Iterable<number>): void {
    const out = new Set<number>()
    const cap = this.o.maxDeadlinePieces ?? 16
    for (const i of pieces) {
      if (out.size >= cap) break
      if (Number.isInteger(i) && i >= 0 && i < this.o.pieceCount && !this.have.has(i)) out.add(i)
    }
    this.deadlines = [...out]
  }

  /** Piece `index` is wanted and has blocks not yet requested (not started counts as all free). */
  hasFreeBlocks(index: number): boolean {
    if (!this.wanted(index)) return false
    const p = this.partial.get(index)
    return p === undefined || p.free > 0
  }

  /** The current deadline pieces, most urgent first (verified ones drop out). */
  deadlinePieces(): number[] {
    this.deadlines = this.deadlines.filter((i) => !this.have.has(i))
    return [...this.deadlines]
  }

  /** A request was cancelled, rejected or timed out: the block becomes free again (if no other peer has it). */
  unrequested(ref: BlockRef): void {
    const p = this.partial.get(ref.index)
    const b = ref.begin / BLOCK_SIZE
    if (!p || p.state[b] !== REQUESTED) return
    const n = (p.requests[b] ?? 1) - 1
    p.requests[b] = Math.max(0, n)
    if (n <= 0) {
      p.state[b] = FREE
      p.free++
    }
  }

  /** A block arrived. Returns false if it was not wanted (already received, or piece not in flight). */
  received(ref: BlockRef): boolean {
    const p = this.partial.get(ref.index)
    const b = ref.begin / BLOCK_SIZE
    if (!p || p.state[b] === RECEIVED || p.state[b] === undefined) return false
    if (p.state[b] === FREE) p.free--
    p.state[b] = RECEIVED
    p.requests[b] = 0
    p.received++
    return true
  }

  isComplete(index: number): boolean {
    const p = this.partial.get(index)
    return p !== undefined && p.received === p.state.length
  }

  verified(index: number): void {
    this.partial.delete(index)
    this.have.set(index)
  }

  /** Blocks of a piece in flight found corrupt (BEP 52 leaves): free again, the rest stay received. */
  reopen(index: number, blocks: readonly number[]): void {
    const p = this.partial.get(index)
    if (!p) return
    for (const b of blocks) {
      if (p.state[b] !== RECEIVED) continue
      p.state[b] = FREE
      p.free++
      p.received--
    }
  }

  /** The piece failed its hash check: forget its blocks so they are fetched again. */
  failed(index: number): void {
    this.partial.delete(index)
  }

  inEndgame(): boolean {
    for (const p of this.partial.values()) if (p.free > 0) return false
    for (let i = 0; i < this.o.pieceCount; i++) if (this.wanted(i) && !this.partial.has(i)) return false
    return this.partial.size > 0
  }

  private takeFree(index: number, p: PartialPiece, max: number, out: BlockRef[]): void {
    for (let b = 0; b < p.state.length && out.length < max; b++) {
      if (p.state[b] !== FREE) continue
      p.state[b] = REQUESTED
      p.requests[b] = 1
      p.free--
      out.push(this.blockRef(index, b))
    }
  }

  private takeEndgame(peer: Bitfield, max: number, mine: (i: number, b: number) => boolean, out: BlockRef[]): void {
    for (const [index, p] of this.partial) {
      if (!peer.has(index)) continue
      for (let b = 0; b < p.state.length && out.length < max; b++) {
        if (p.state[b] !== REQUESTED || (p.requests[b] ?? 0) > MAX_ENDGAME_DUPLICATES) continue
        const ref = this.blockRef(index, b)
        if (mine(index, ref.begin)) continue
        p.requests[b] = (p.requests[b] ?? 0) + 1
        out.push(ref)
      }
    }
  }

  private start(index: number): PartialPiece {
    const n = this.blockCount(index)
    const p: PartialPiece = { state: new Uint8Array(n), requests: new Uint8Array(n), free: n, received: 0 }
    this.partial.set(index, p)
    return p
  }

  /** The next piece to start for this peer, or -1: the highest priority first, then by the mode. */
  private choosePiece(peer: Bitfield): number {
    const n = this.o.pieceCount
    const eligible = (i: number) => peer.has(i) && this.wanted(i) && !this.partial.has(i)
    const randomPhase = this.have.count() + this.partial.size < this.o.randomFirstPieces
    let best = -1
    let bestPriority = 0
    let bestKey = Infinity
    let ties = 0
    for (let i = 0; i < n; i++) {
      if (!eligible(i)) continue
      const priority = this.priority[i] ?? 0
      // Sequential: the lowest index wins (the first seen); else random at first, then rarest first.
      const key = this.sequential ? i : randomPhase ? 0 : (this.availability[i] ?? 0)
      if (priority > bestPriority || (priority === bestPriority && key < bestKey)) {
        bestPriority = priority
        bestKey = key
        best = i
        ties = 1
      } else if (priority === bestPriority && key === bestKey && !this.sequential) {
        // Reservoir sampling: each tied piece ends up chosen with equal probability.
        ties++
        if (this.o.random() * ties < 1) best = i
      }
    }
    return best
  }
}
