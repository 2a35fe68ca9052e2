import { bytesEqual } from '../bytes.ts'
import { HASH_SIZE, log2, nextPowerOfTwo, provenNode } from '../merkle/index.ts'
import type { HashRequest, Message } from '../wire/messages.ts'
import type { Limits } from './limits.ts'
import type { Clock } from './ports.ts'
import { LAYER_CHUNK, firstLeafOf, type V2File, type V2Hashes } from './v2-hashes.ts'

// Asking peers for BEP 52 hashes, as libtorrent's hash_picker does: the piece layers a magnet (or a
// .torrent without them) lacks, in chunks of 512 with the uncles that prove each chunk against its
// file's pieces root; and the leaves of a piece that failed its check, proven against the piece's
// hash, so the corrupt blocks, and so their senders, can be named (downloader.ts). Leaf requests go
// first. Only peers on a v2 connection are asked, only for pieces they have, at most
// `maxHashRequestsPerPeer` requests each; an answer that does not prove out closes the connection,
// a reject or a timeout sends the request to another peer.

/** A peer we can ask: what the fetcher needs of a PeerSession. */
export interface HashPeer {
  readonly id: number
  readonly ready: boolean
  readonly v2: boolean
  readonly state: { readonly pieces: { has(index: number): boolean } | null }
  send(m: Message): void
}

export interface HashFetcherEvents {
  /** Pieces whose expected hash just became known (a chunk of a piece layer arrived). */
  layerPieces(pieces: number[]): void
  /** Leaves of piece `piece` from its leaf `first` on, proven against the piece's hash. */
  leaves(piece: number, first: number, hashes: Uint8Array): void
}

/** Leaves asked in one request (BEP 52's 512, as for layers). */
const LEAF_CHUNK = 512

type Job = { kind: 'layer'; key: string; file: V2File; chunk: number } | { kind: 'leaves'; key: string; piece: number; part: number }

interface Pending {
  job: Job
  request: HashRequest
  /** Where the answer must lead: a node we already trust. */
  anchor: { level: number; position: number; hash: Uint8Array }
  sentAt: number
}

export class HashFetcher {
  /** Requests sent, answers that proved out, rejects and timeouts. */
  readonly counts = { requested: 0, received: 0, rejected: 0, timedOut: 0 }
  private readonly leafJobs = new Map<string, Job>()
  private readonly pending = new Map<number, Pending[]>()
  private readonly asked = new Set<string>()
  /** Peers that refused (or did not answer) a job: not asked it again. */
  private readonly refused = new Map<string, Set<number>>()

  constructor(
    private readonly v2: V2Hashes,
    private readonly limits: Limits,
    private readonly clock: Clock,
    private readonly events: HashFetcherEvents,
  ) {}

  /** Fetch the leaves of piece `piece` (it failed its check). False if it has no leaves to ask for. */
  wantLeaves(piece: number): boolean {
    const { file } = this.v2.place(piece)
    if (file.pieceWidth < 2 || this.v2.pieceHash(piece) === null) return false
    const parts = file.pieceWidth / Math.min(file.pieceWidth, LEAF_CHUNK)
    for (let part = 0; part < parts; part++) {
      const key = `leaves:${piece}:${part}`
      this.leafJobs.set(key, { kind: 'leaves', key, piece, part })
    }
    return true
  }

  /** The piece's leaves are no longer needed (it verified, or we gave up waiting). */
  dropLeaves(piece: number): void {
    for (const [key, job] of this.leafJobs) {
      if (job.kind === 'leaves' && job.piece === piece) this.forget(key)
    }
  }

  /** Top up the requests to one peer. */
  fill(s: HashPeer): void {
    if (!s.ready || !s.v2 || !s.state.pieces) return
    const mine = this.pending.get(s.id) ?? []
    while (mine.length < this.limits.maxHashRequestsPerPeer) {
      const job = this.pick(s)
      if (!job) break
      const p = this.requestFor(job)
      mine.push(p)
      this.pending.set(s.id, mine)
      this.asked.add(job.key)
      this.counts.requested++
      s.send({ type: 'hashRequest', ...p.request })
    }
  }

  /** A `hashes` message: 'bad' if it answers our request but does not prove out (close the peer). */
  answer(s: HashPeer, m: HashRequest & { hashes: Uint8Array }): 'ok' | 'unsolicited' | 'bad' {
    const p = this.take(s.id, m)
    if (!p) return 'unsolicited'
    const baseBytes = m.length * HASH_SIZE
    const proven = provenNode(m, m.hashes.subarray(0, baseBytes), m.hashes.subarray(baseBytes))
    if (proven.level !== p.anchor.level || proven.position !== p.anchor.position || !bytesEqual(proven.hash, p.anchor.hash)) {
      this.asked.delete(p.job.key)
      return 'bad'
    }
    this.counts.received++
    const job = p.job
    this.forget(job.key)
    if (job.kind === 'layer') {
      const pieces = this.v2.addChunk(job.file, job.chunk, m.hashes.subarray(0, baseBytes))
      if (pieces.length > 0) this.events.layerPieces(pieces)
    } else {
      this.events.leaves(job.piece, job.part * m.length, m.hashes.subarray(0, baseBytes))
    }
    return 'ok'
  }

  /** A `hash reject`: the job goes to another peer. */
  rejected(s: HashPeer, m: HashRequest): void {
    const p = this.take(s.id, m)
    if (!p) return
    this.counts.rejected++
    this.refuse(p.job.key, s.id)
  }

  peerLeft(s: HashPeer): void {
    for (const p of this.pending.get(s.id) ?? []) this.asked.delete(p.job.key)
    this.pending.delete(s.id)
  }

  /** Requests unanswered for too long are asked of someone else. */
  tick(now: number): void {
    for (const [id, list] of this.pending) {
      const late = list.filter((p) => now - p.sentAt >= this.limits.hashRequestTimeoutMs)
      if (late.length === 0) continue
      this.pending.set(id, list.filter((p) => !late.includes(p)))
      for (const p of late) {
        this.counts.timedOut++
        this.refuse(p.job.key, id)
      }
    }
  }

  /** Requests awaiting answers (all peers). */
  get outstanding(): number {
    let n = 0
    for (const list of this.pending.values()) n += list.length
    return n
  }

  private pick(s: HashPeer): Job | null {
    const pieces = s.state.pieces!
    const free = (key: string): boolean => !this.asked.has(key) && !this.refused.get(key)?.has(s.id)
    for (const job of this.leafJobs.values()) {
      if (job.kind === 'leaves' && free(job.key) && pieces.has(job.piece)) return job
    }
    for (const { file, chunk } of this.v2.missingChunks()) {
      const key = `layer:${file.rootHex}:${chunk}`
      if (!free(key)) continue
      // libtorrent asks a chunk only of a peer that has one of its pieces.
      const from = file.firstPiece + chunk * LAYER_CHUNK
      const to = Math.min(file.firstPiece + file.pieces, from + LAYER_CHUNK)
      for (let i = from; i < to; i++) if (pieces.has(i)) return { kind: 'layer', key, file, chunk }
    }
    return null
  }

  private requestFor(job: Job): Pending {
    const sentAt = this.clock.now()
    if (job.kind === 'layer') {
      const f = job.file
      const index = job.chunk * LAYER_CHUNK
      // Never a single hash: libtorrent 2.0.8 answers a request of length 1 one uncle short.
      const length = Math.max(2, Math.min(LAYER_CHUNK, nextPowerOfTwo(f.pieces - index)))
      const request = { piecesRoot: f.root, baseLayer: f.pieceLevel, index, length, proofLayers: f.height - f.pieceLevel - 1 }
      return { job, request, anchor: { level: f.height, position: 0, hash: f.root }, sentAt }
    }
    const { file, pieceInFile } = this.v2.place(job.piece)
    const length = Math.min(file.pieceWidth, LEAF_CHUNK)
    const request = {
      piecesRoot: file.root,
      baseLayer: 0,
      index: firstLeafOf(file, pieceInFile) + job.part * length,
      length,
      proofLayers: log2(file.pieceWidth) - 1,
    }
    return { job, request, anchor: { level: file.pieceLevel, position: pieceInFile, hash: this.v2.pieceHash(job.piece)! }, sentAt }
  }

  private take(id: number, m: HashRequest): Pending | null {
    const list = this.pending.get(id)
    const at = list?.findIndex((p) => sameRequest(p.request, m)) ?? -1
    if (!list || at < 0) return null
    const [p] = list.splice(at, 1)
    this.asked.delete(p!.job.key)
    return p!
  }

  private refuse(key: string, id: number): void {
    this.asked.delete(key)
    const set = this.refused.get(key) ?? new Set<number>()
    // Bounded: once more peers than we keep have refused, every peer may be asked again.
    if (set.size >= this.limits.maxPeers) set.clear()
    set.add(id)
    this.refused.set(key, set)
  }

  private forget(key: string): void {
    this.leafJobs.delete(key)
    this.refused.delete(key)
  }
}

function sameRequest(a: HashRequest, b: HashRequest): boolean {
  return a.baseLayer === b.baseLayer && a.index === b.index && a.length === b.length && a.proofLayers === b.proofLayers && bytesEqual(a.piecesRoot, b.piecesRoot)
}
