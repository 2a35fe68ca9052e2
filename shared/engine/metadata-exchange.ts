import { bytesEqual } from '../bytes.ts'
import { METADATA_EXTENSION, METADATA_PIECE_SIZE, metadataPieceCount, metadataPieceLength } from '../wire/metadata.ts'
import type { MetadataMessage } from '../wire/messages.ts'
import type { Limits } from './limits.ts'
import type { PeerSession } from './peer-session.ts'
import type { Hasher } from './ports.ts'

// BEP 9 (ut_metadata), both directions.

/** Answer a peer's metadata request: the 16 KiB piece if we have the info dict, else reject. */
export function serveMetadata(s: PeerSession, m: MetadataMessage, infoBytes: Uint8Array | null): void {
  if (m.msgType !== 'request') return
  const count = infoBytes ? metadataPieceCount(infoBytes.length) : 0
  if (!infoBytes || m.piece < 0 || m.piece >= count || s.writeBlocked) {
    s.sendMetadata({ msgType: 'reject', piece: m.piece })
    return
  }
  const begin = m.piece * METADATA_PIECE_SIZE
  const data = infoBytes.subarray(begin, begin + METADATA_PIECE_SIZE)
  s.sendMetadata({ msgType: 'data', piece: m.piece, totalSize: infoBytes.length, data })
}

/**
 * Fetches the info dict from every peer that offers it: pieces are spread over the peers, each
 * peer with a few requests outstanding; rejects and timeouts send the piece to another peer. The
 * assembled bytes must hash to the info hash before anyone sees them.
 */
export class MetadataFetcher {
  private size: number | null = null
  private pieces: (Uint8Array | null)[] = []
  private readonly pending = new Map<number, { session: number; at: number }>()
  private readonly refused = new Set<number>()
  private busy = false
  /** After a failed assembly, fetch from one peer at a time so a liar is identified. */
  private soloPeer: number | null = null
  private suspectMode = false
  failures = 0
  readonly sources = new Set<number>()

  constructor(
    private readonly infoHash: Uint8Array,
    private readonly hasher: Hasher,
    private readonly limits: Limits,
    private readonly done: (infoBytes: Uint8Array) => void,
  ) {}

  private offers(s: PeerSession): boolean {
    const ext = s.peerExtensions
    if (this.soloPeer !== null && s.id !== this.soloPeer) return false
    return !!ext && !!ext.m[METADATA_EXTENSION] && ext.metadataSize === this.size && !this.refused.has(s.id) && s.ready
  }

  /** A peer's extended handshake: the first plausible metadata_size is the one we fetch. */
  peerOffered(s: PeerSession): void {
    const size = s.peerExtensions?.metadataSize
    if (this.size !== null || size === undefined || this.refused.has(s.id)) return
    if (this.soloPeer !== null && this.soloPeer !== s.id) return
    if (!Number.isInteger(size) || size <= 0 || size > this.limits.maxMetadataSize) return
    this.size = size
    this.pieces = new Array<Uint8Array | null>(metadataPieceCount(size)).fill(null)
  }

  /** Hand out missing pieces round-robin over the peers that offer the metadata. */
  fill(sessions: Iterable<PeerSession>, now: number): void {
    if (this.busy) return
    const all = [...sessions]
    if (this.size === null) {
      if (this.suspectMode) {
        // Next candidate for a single-source attempt: the first peer offering metadata we have not refused.
        const next = all.find((s) => s.ready && !!s.peerExtensions?.m[METADATA_EXTENSION] && s.peerExtensions.metadataSize !== undefined && !this.refused.has(s.id))
        this.soloPeer = next?.id ?? null
      }
      for (const s of all) this.peerOffered(s)
    }
    if (this.size === null) return
    for (const [piece, p] of this.pending) if (now - p.at >= this.limits.metadataRequestTimeoutMs) this.pending.delete(piece)
    const peers = all.filter((s) => this.offers(s))
    const perPeer = new Map<number, number>()
    for (const p of this.pending.values()) perPeer.set(p.session, (perPeer.get(p.session) ?? 0) + 1)
    let next = 0
    for (let piece = 0; piece < this.pieces.length && peers.length > 0; piece++) {
      if (this.pieces[piece] || this.pending.has(piece)) continue
      for (let tries = 0; tries < peers.length; tries++) {
        const s = peers[next++ % peers.length]!
        if ((perPeer.get(s.id) ?? 0) >= this.limits.metadataRequestsPerPeer) continue
        perPeer.set(s.id, (perPeer.get(s.id) ?? 0) + 1)
        this.pending.set(piece, { session: s.id, at: now })
        s.sendMetadata({ msgType: 'request', piece })
        break
      }
    }
  }

  /** A peer left: its outstanding pieces go to others at once. */
  peerLeft(s: PeerSession): void {
    for (const [piece, p] of this.pending) if (p.session === s.id) this.pending.delete(piece)
  }

  message(s: PeerSession, m: MetadataMessage): void {
    if (this.size === null || m.msgType === 'request') return
    const p = this.pending.get(m.piece)
    if (!p || p.session !== s.id) return // unrequested: ignore
    this.pending.delete(m.piece)
    if (m.msgType === 'reject') {
      this.refused.add(s.id)
      return
    }
    if (m.totalSize !== this.size || m.data.length !== metadataPieceLength(m.piece, this.size)) return
    this.pieces[m.piece] = m.data
    this.sources.add(s.id)
    if (this.pieces.every((x) => x !== null)) void this.assemble()
  }

  private async assemble(): Promise<void> {
    this.busy = true
    const bytes = new Uint8Array(this.size ?? 0)
    this.pieces.forEach((p, i) => p && bytes.set(p, i * METADATA_PIECE_SIZE))
    // The swarm id is the info dict's SHA-1, or (a v2 magnet, BEP 52) its SHA-256 truncated.
    const matches = bytesEqual(await this.hasher.sha1(bytes), this.infoHash) || bytesEqual((await this.hasher.sha256(bytes)).subarray(0, 20), this.infoHash)
    this.busy = false
    if (matches) return this.done(bytes)
    // Someone lied. If one peer sent everything, it is the liar; otherwise start over fetching from
    // one peer at a time, so the next failure names its sender.
    this.failures++
    if (this.sources.size === 1) for (const id of this.sources) this.refused.add(id)
    this.suspectMode = true
    this.soloPeer = null
    this.size = null
    this.pieces = []
    this.pending.clear()
    this.sources.clear()
  }
}
