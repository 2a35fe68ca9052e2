import type { BlockRef } from '../wire/messages.ts'
import { Bitfield } from './bitfield.ts'
import { RateLimiter } from './rate-limiter.ts'
import { BLOCK_SIZE, type Limits } from './limits.ts'
import type { PeerSession } from './peer-session.ts'
import { PieceBufferPool, type PieceBuffer } from './piece-buffer.ts'
import { PiecePicker } from './piece-picker.ts'
import { PieceVerifier } from './piece-verifier.ts'
import { pipelineDepth } from './pipeline.ts'
import type { Clock, Hasher, PieceStore } from './ports.ts'
import { corruptBlocks, SuspectPieces } from './suspect-pieces.ts'
import type { TorrentMeta } from './torrent-meta.ts'
import { TrustLedger } from './trust.ts'
import type { V2Hashes } from './v2-hashes.ts'

// Fetching: keeps each unchoked peer's pipeline full from the picker, assembles blocks into piece
// buffers, verifies each piece before it is stored (piece-verifier.ts: SHA-1 for v1, the SHA-256
// merkle root for v2, both for a hybrid), and on a failed check refetches the piece and blames
// whoever sent its blocks (trust.ts; a peer that keeps sending bad data is banned). A v2 piece whose
// hash is not known yet (its file's piece layer missing) is not requested. A v2 piece that fails is
// kept while its leaves are fetched (suspect-pieces.ts, as libtorrent does): the corrupt blocks are
// refetched alone and their senders banned on that evidence (BEP 52).

export interface DownloaderEvents {
  verified(index: number): void
  /** A peer sent data that failed verification too often. */
  ban(peerKey: string): void
  error(message: string): void
  /** v2: fetch the leaves of a failed piece from peers; false when no request can name them. */
  wantLeaves?(piece: number): boolean
  /** v2: the leaves of this piece are no longer needed. */
  dropLeaves?(piece: number): void
}

/** Requests a peer may have outstanding during endgame. Measured in the 5 -> 1 swarm test: the
 * seeders sent 1.46 copies with no cap, 1.14 with 2, at the same finish time. */
const ENDGAME_DEPTH = 2

/** Pieces in flight at once for this piece length: the count cap, and the bytes cap (at least one). */
export function piecesInFlightFor(limits: Pick<Limits, 'maxPiecesInFlight' | 'maxBytesInFlight'>, pieceLength: number): number {
  return Math.max(1, Math.min(limits.maxPiecesInFlight, Math.floor(limits.maxBytesInFlight / pieceLength)))
}

/** Bytes of requests for other pieces a peer keeps when the deadline moves (the next few blocks it is
 *  sending anyway): four 16 KiB blocks, or one larger block (BEP 10 `swarmdrop_max_block`). */
const DEADLINE_KEEP_BYTES = 4 * BLOCK_SIZE

export class Downloader {
  readonly picker: PiecePicker
  private readonly buffers = new Map<number, PieceBuffer>()
  private readonly spareBuffers: PieceBufferPool
  private readonly trust: TrustLedger
  private readonly verifier: PieceVerifier
  private readonly suspects: SuspectPieces
  /** Pieces that cannot be verified yet (v2 without their piece layer); null when there are none. */
  private unverifiable: Bitfield | null = null
  hashFailures = 0
  wasted = 0
  /** Pieces whose last check failed (until one passes): the piece map shows them. At most one per piece. */
  readonly failedPieces = new Set<number>()

  constructor(
    readonly meta: TorrentMeta,
    private readonly store: PieceStore,
    private readonly hasher: Hasher,
    private readonly clock: Clock,
    private readonly limits: Limits,
    random: () => number,
    private readonly sessions: () => Iterable<PeerSession>,
    private readonly events: DownloaderEvents,
    /** The download rate limit: requests go out only as fast as it allows (their answers follow). */
    private readonly limiter: RateLimiter = new RateLimiter(),
    /** BEP 52 merkle hashes of a v2 or hybrid torrent (hash-exchange.ts), null for v1. */
    private readonly v2: V2Hashes | null = null,
  ) {
    this.trust = new TrustLedger(limits)
    this.spareBuffers = new PieceBufferPool(limits.spareBufferBytes)
    this.verifier = new PieceVerifier(meta, hasher, v2)
    this.suspects = new SuspectPieces(limits.maxPiecesInFlight)
    for (let i = 0; i < meta.pieceCount; i++) {
      if (this.verifier.canVerify(i)) continue
      this.unverifiable ??= new Bitfield(meta.pieceCount)
      this.unverifiable.set(i)
    }
    this.picker = new PiecePicker({
      pieceCount: meta.pieceCount,
      pieceLength: meta.pieceLength,
      totalLength: meta.length,
      maxPiecesInFlight: piecesInFlightFor(limits, meta.pieceLength),
      maxDeadlinePieces: Math.max(1, Math.floor(limits.maxDeadlineBytes / meta.pieceLength)),
      randomFirstPieces: limits.randomFirstPieces,
      random,
    })
  }

  /** Bytes the pieces in flight may hold (their count cap times the piece length). */
  private get budgetBytes(): number {
    return this.picker.maxPiecesInFlight * this.meta.pieceLength
  }

  /** Pieces in memory (in flight or being verified): bounded by maxPiecesInFlight and maxBytesInFlight. */
  buffered(): number {
    return this.buffers.size
  }

  peerJoined(s: PeerSession): void {
    if (s.state.pieces) this.picker.addAvailability(s.state.pieces)
  }

  /** A peer left; `unanswered` are the requests it still had from us (free again). */
  peerLeft(s: PeerSession, unanswered: Iterable<BlockRef>): void {
    if (s.state.pieces) this.picker.removeAvailability(s.state.pieces)
    this.returned(unanswered)
  }

  /** Re-evaluate interest in a peer and top up its requests. */
  update(s: PeerSession): void {
    const pieces = s.state.pieces
    if (!s.ready || !pieces) return
    s.setInterested(this.picker.interestedIn(pieces))
    this.fill(s)
  }

  fill(s: PeerSession): void {
    const st = s.state
    if (!s.ready || !st.pieces || !st.amInterested) return
    let from: Bitfield = st.pieces
    if (st.peerChoking) {
      // BEP 6: allowed-fast pieces may be requested while choked.
      if (st.allowedFast.size === 0) return
      from = new Bitfield(st.pieces.length)
      for (const i of st.allowedFast) if (st.pieces.has(i)) from.set(i)
    }
    if (this.unverifiable !== null) {
      const verifiable = new Bitfield(from.length)
      for (let i = 0; i < from.length; i++) if (from.has(i) && !this.unverifiable.has(i)) verifiable.set(i)
      from = verifiable
    }
    const reqq = s.peerExtensions?.reqq ?? this.limits.advertisedReqq
    // Endgame (every missing block already requested): only a peer with almost nothing in flight
    // takes duplicates, a few at a time and one block each, so a small torrent is not fetched twice over.
    const endgame = this.picker.inEndgame()
    // A request never spans pieces: a block longer than a piece is one piece.
    const span = endgame ? BLOCK_SIZE : Math.min(s.blockLength, Math.ceil(this.meta.pieceLength / BLOCK_SIZE) * BLOCK_SIZE)
    const now = this.clock.now()
    const depth = Math.min(pipelineDepth(st.download.rate(now), reqq, this.limits.maxRequestsPerPeer, span), this.fairShare(span))
    const want = (endgame ? Math.min(depth, ENDGAME_DEPTH) : depth) - s.outstandingRequests
    // The rate limit counts 16 KiB blocks: under a limit smaller than a large block, the requests
    // shrink to what it allows now rather than waiting for a bucket that never holds a whole one.
    const allowed = this.limiter.available(now)
    const blocks = Math.min(want * (span / BLOCK_SIZE), allowed === Infinity ? Infinity : Math.floor(allowed / BLOCK_SIZE))
    if (want <= 0 || blocks <= 0) return
    const requests = spans(this.picker.pick(from, blocks, (i, b) => s.hasRequested(i, b)), span)
    // Blocks that did not join into a full-length request may make more requests than wanted: those go back.
    this.returned(requests.splice(want))
    for (const ref of requests) {
      if (!this.buffers.has(ref.index)) this.buffers.set(ref.index, this.spareBuffers.take(ref.index, this.picker.pieceSize(ref.index)))
      this.limiter.force(ref.length, now)
      s.request(ref)
    }
  }

  /**
   * Requests of `span` bytes one peer may have out: an equal share of the bytes the pieces in flight
   * may hold, among the peers we can download from now. Without it the first fast peer takes every
   * slot of the in-flight budget as each of its blocks lands (fill runs on its arrivals), and the
   * other peers, refilled only by the tick, starve: three seeders then deliver what one does.
   */
  private fairShare(span: number): number {
    let active = 0
    for (const o of this.sessions()) if (o.ready && o.state.amInterested && !o.state.peerChoking) active++
    if (active <= 1) return Infinity
    return Math.max(1, Math.floor(this.budgetBytes / active / span))
  }

  /**
   * The deadline changed (a player started or seeked): a peer serves our requests in order, so
   * deadline blocks asked for behind a full pipeline of others would wait for all of them (2 MiB
   * at 128 requests). Cancel (BEP 3) this peer's newest requests for other pieces, keeping the
   * oldest DEADLINE_KEEP_BYTES (at least one request), so the freed slots go to deadline blocks now.
   * Only while the peer has deadline pieces we still need.
   */
  makeRoomForDeadlines(s: PeerSession): void {
    const pieces = s.state.pieces
    const deadlines = this.picker.deadlinePieces()
    if (!s.ready || !pieces || s.state.peerChoking || !deadlines.some((i) => pieces.has(i) && this.picker.hasFreeBlocks(i))) return
    const urgent = new Set(deadlines)
    const others = s.outstanding().filter((r) => !urgent.has(r.index))
    let keep = 0
    for (let kept = 0; keep < others.length && kept < DEADLINE_KEEP_BYTES; keep++) kept += others[keep]!.length
    for (const ref of others.slice(keep).reverse()) {
      s.cancel(ref)
      this.returned([ref])
    }
    this.fill(s)
  }

  /** v2: the expected hashes of these pieces became known (a piece layer chunk arrived). */
  hashesKnown(pieces: Iterable<number>): void {
    const u = this.unverifiable
    if (u === null) return
    for (const i of pieces) if (this.verifier.canVerify(i)) u.clear(i)
    if (u.isEmpty()) this.unverifiable = null
    for (const s of this.sessions()) this.update(s)
  }

  /** v2: leaves of a suspect piece arrived, proven against its hash (hash-fetcher.ts). */
  leavesArrived(piece: number, first: number, hashes: Uint8Array): void {
    const evidence = this.suspects.leaves(piece, first, hashes)
    if (!evidence) return
    if (!this.blameBlocks(piece, evidence.buffer, evidence.ours, evidence.truth)) this.failWhole(evidence.buffer)
  }

  /** Housekeeping: suspects whose leaves did not come in time are blamed as v1 would. */
  tick(now: number): void {
    for (const { piece, buffer } of this.suspects.expired(now, this.limits.leafHashTimeoutMs)) {
      this.events.dropLeaves?.(piece)
      this.failWhole(buffer)
    }
  }

  /** Requests that came back unanswered (reject, choke, timeout): their blocks are free again. */
  returned(refs: Iterable<BlockRef>): void {
    for (const r of refs) for (const b of this.picker.blocksOf(r)) this.picker.unrequested(b)
  }

  /** A request's data arrived: one block, or several consecutive ones (a larger block, BEP 10 `swarmdrop_max_block`). */
  block(s: PeerSession, ref: BlockRef, data: Uint8Array): void {
    const buffer = this.buffers.get(ref.index)
    if (s.peerKey === null) return
    const endgame = this.picker.inEndgame()
    let fresh = false
    for (const b of this.picker.blocksOf(ref)) {
      const part = data.subarray(b.begin - ref.begin, b.begin - ref.begin + b.length)
      if (!buffer || !this.picker.received(b)) {
        this.wasted += b.length // an endgame duplicate
        continue
      }
      buffer.write(b.begin, part, s.peerKey)
      fresh = true
      if (endgame) {
        // Whoever else was asked for this block is cancelled, and the rest of its request freed.
        for (const other of this.sessions()) {
          const cancelled = other !== s ? other.cancelCovering(b.index, b.begin) : null
          if (cancelled) this.returned([cancelled])
        }
      }
    }
    if (buffer && fresh && this.picker.isComplete(ref.index)) {
      this.verify(buffer).catch((e: unknown) => {
        // The hasher or the store failed (a full disk, a closed OPFS handle): the piece is not
        // ours; fetch it again later and say why.
        this.buffers.delete(ref.index)
        this.picker.failed(ref.index)
        this.events.error(`piece ${ref.index}: ${e instanceof Error ? e.message : String(e)}`)
      })
    }
  }

  private async verify(buffer: PieceBuffer): Promise<void> {
    const i = buffer.index
    const check = await this.verifier.verify(i, buffer.data)
    const senders = buffer.contributors()
    if (check.good) {
      this.buffers.delete(i)
      this.suspects.settled(i)
      await this.store.write(i, buffer.data)
      this.spareBuffers.give(buffer) // the store copied what it keeps (PieceStore.write)
      this.picker.verified(i)
      this.failedPieces.delete(i)
      for (const k of this.trust.pieceChecked(senders, true)) this.events.ban(k)
      this.events.verified(i)
      return
    }
    this.hashFailures++
    this.failedPieces.add(i)
    if (check.v2Good === false && check.leaves !== null) {
      // BEP 52: the leaves name the corrupt blocks; we know them already, or ask a peer for them.
      const truth = this.suspects.knownLeaves(i)
      if (truth !== null && this.blameBlocks(i, buffer, check.leaves, truth)) return
      if (truth === null && this.events.wantLeaves?.(i)) {
        this.suspects.await(i, buffer, check.leaves, this.v2!.place(i).file.pieceWidth, this.clock.now())
        for (const s of this.sessions()) this.fill(s)
        return
      }
    }
    this.failWhole(buffer)
  }

  /**
   * The blocks of a failed piece whose SHA-256 differs from the true leaves are corrupt: each sender of
   * one is banned on that evidence alone, and only those blocks are fetched again. False when no block
   * differs (the piece failed for another reason: its v1 hash).
   */
  private blameBlocks(piece: number, buffer: PieceBuffer, ours: Uint8Array, truth: Uint8Array): boolean {
    const bad = corruptBlocks(ours, truth)
    if (bad.length === 0) return false
    const liars = new Set<string>()
    for (const b of bad) {
      const sender = buffer.senderOf(b)
      if (sender !== undefined) liars.add(sender)
      this.wasted += this.picker.blockRef(piece, b).length
    }
    this.picker.reopen(piece, bad)
    for (const k of liars) this.events.ban(k)
    for (const s of this.sessions()) this.fill(s)
    return true
  }

  /** The piece is refetched whole and everyone who sent a block of it is blamed (v1's only way). */
  private failWhole(buffer: PieceBuffer): void {
    const i = buffer.index
    this.buffers.delete(i)
    this.suspects.settled(i)
    this.wasted += buffer.data.length
    this.picker.failed(i)
    // Blame by the key each block was written under: its sender may have disconnected meanwhile.
    for (const k of this.trust.pieceChecked(buffer.contributors(), false)) this.events.ban(k)
    for (const s of this.sessions()) this.fill(s)
  }
}

/** Consecutive blocks of one piece joined into requests of up to `span` bytes (blocks come from the picker in order). */
function spans(blocks: BlockRef[], span: number): BlockRef[] {
  const out: BlockRef[] = []
  let cur: BlockRef | null = null
  for (const b of blocks) {
    if (cur && b.index === cur.index && b.begin === cur.begin + cur.length && cur.length + b.length <= span && cur.length % BLOCK_SIZE === 0) {
      cur.length += b.length
      continue
    }
    cur = { ...b }
    out.push(cur)
  }
  return out
}
