import { toHex } from '../bytes.ts'
import type { Downloader } from './downloader.ts'
import type { HashStats } from './hash-exchange.ts'
import type { PeerSession } from './peer-session.ts'
import type { TorrentMeta } from './torrent-meta.ts'

// Snapshots for the UI: plain numbers, computed on demand from the sessions' meters
// (`Torrent.stats()` calls `torrentStats` with its parts).

export interface PeerStats {
  id: number
  peerId: string | null
  client: string | null
  downloadRate: number // bytes/s, payload from the peer
  uploadRate: number
  downloaded: number
  uploaded: number
  /** Fraction of the torrent the peer has (0..1), when known. */
  progress: number | null
  /**
   * uTorrent-style flags: D/d we download / want to but are choked; U/u we upload / it wants to but
   * we choke it; I we are interested; S snubbed (no block for the snub timeout); X seed; F fast; E extended.
   */
  flags: string
  outstandingRequests: number
  queuedRequests: number
  /** Requests we cancelled after sending them (endgame duplicates). */
  cancelsSent: number
  /** The adapter's name for the connection ('tcp', 'webrtc'), and the peer's address when known. */
  kind: string | null
  address: string | null
  /** The connection speaks BEP 52 (the v2 info hash, or a hybrid's upgrade): hash requests go over it. */
  v2: boolean
}

/** A connection that ended, and why (the most recent ones, bounded by maxPeers). */
export interface ClosedPeer {
  id: number
  peerId: string | null
  reason: string
}

export interface TorrentStats {
  infoHash: string
  hasMetadata: boolean
  pieceCount: number | null
  verifiedPieces: number
  progress: number // 0..1 of wanted pieces
  done: boolean
  downloadRate: number
  uploadRate: number
  downloaded: number
  uploaded: number
  /** Bytes received that were not needed: endgame duplicates, late answers, failed pieces. */
  wasted: number
  hashFailures: number
  /** Pieces held in memory: being downloaded or verified (bounded by maxPiecesInFlight). */
  piecesInFlight: number
  /** BEP 9 (magnet): peers the info dict came from, and assemblies that failed the info hash (a peer lied). */
  metadata: { sources: number; failures: number }
  /** BEP 52 hash requests both ways (v2 and hybrid torrents once the info dict is known), else null. */
  hashes: HashStats | null
  peers: PeerStats[]
  banned: number
  closedPeers: ClosedPeer[]
}

/** What `torrentStats` reads: a Torrent's parts, handed over by `Torrent.stats()`. */
export interface StatsSource {
  infoHash: Uint8Array
  meta: TorrentMeta | null
  downloader: Downloader | null
  sessions: Iterable<PeerSession>
  now: number
  snubMs: number
  done: boolean
  totals: { downloaded: number; uploaded: number; late: number }
  banned: number
  closedPeers: readonly ClosedPeer[]
  metadata: { sources: number; failures: number }
  hashes: HashStats | null
}

export function peerStats(s: PeerSession, now: number, snubMs: number): PeerStats {
  const st = s.state
  let flags = ''
  if (st.amInterested) flags += st.peerChoking ? 'd' : 'D'
  if (st.peerInterested) flags += st.amChoking ? 'u' : 'U'
  if (st.amInterested) flags += 'I'
  if (!st.peerChoking && st.amInterested && now - (st.lastBlockAt ?? st.connectedAt) >= snubMs) flags += 'S'
  if (st.isSeed) flags += 'X'
  if (s.caps.fast) flags += 'F'
  if (s.caps.extended) flags += 'E'
  return {
    id: s.id,
    peerId: s.remotePeerId ? toHex(s.remotePeerId) : null,
    client: s.peerExtensions?.v ?? null,
    downloadRate: st.download.rate(now),
    uploadRate: st.upload.rate(now),
    downloaded: st.download.total,
    uploaded: st.upload.total,
    progress: st.pieces ? st.pieces.count() / st.pieces.length : null,
    flags,
    outstandingRequests: s.outstandingRequests,
    queuedRequests: s.queuedRequests,
    cancelsSent: s.cancelsSent,
    kind: s.kind,
    address: s.address,
    v2: s.v2,
  }
}

export function torrentStats(t: StatsSource): TorrentStats {
  const sessions = [...t.sessions]
  const peers = sessions.filter((s) => s.ready).map((s) => peerStats(s, t.now, t.snubMs))
  const d = t.downloader
  let wanted = 0
  let have = 0
  if (d) {
    for (let i = 0; i < d.picker.pieceCount; i++) {
      if ((d.picker.priority[i] ?? 0) === 0) continue
      wanted++
      if (d.picker.have.has(i)) have++
    }
  }
  const sum = (f: (p: PeerStats) => number) => peers.reduce((a, p) => a + f(p), 0)
  return {
    infoHash: toHex(t.infoHash),
    hasMetadata: t.meta !== null,
    pieceCount: t.meta?.pieceCount ?? null,
    verifiedPieces: d?.picker.have.count() ?? 0,
    progress: wanted === 0 ? (d ? 1 : 0) : have / wanted,
    done: t.done,
    downloadRate: sum((p) => p.downloadRate),
    uploadRate: sum((p) => p.uploadRate),
    downloaded: t.totals.downloaded,
    uploaded: t.totals.uploaded,
    wasted: (d?.wasted ?? 0) + t.totals.late + sessions.reduce((n, s) => n + s.lateBytes, 0),
    hashFailures: d?.hashFailures ?? 0,
    piecesInFlight: d?.buffered() ?? 0,
    metadata: { ...t.metadata },
    hashes: t.hashes ? { ...t.hashes } : null,
    peers,
    banned: t.banned,
    closedPeers: t.closedPeers.map((p) => ({ ...p })),
  }
}

/** What the piece map shows of each piece. */
export const PIECE_STATE = { missing: 0, inFlight: 1, verified: 2, failed: 3, skipped: 4 } as const

/** One PIECE_STATE per piece (empty before the metadata). */
export function pieceStates(d: Downloader | null): Uint8Array {
  if (!d) return new Uint8Array(0)
  const p = d.picker
  const out = new Uint8Array(p.pieceCount)
  for (let i = 0; i < p.pieceCount; i++) {
    out[i] = p.have.has(i) ? PIECE_STATE.verified
      : p.inFlight(i) ? PIECE_STATE.inFlight
      : d.failedPieces.has(i) ? PIECE_STATE.failed
      : (p.priority[i] ?? 0) === 0 ? PIECE_STATE.skipped
      : PIECE_STATE.missing
  }
  return out
}
