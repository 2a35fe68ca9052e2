import { toHex } from '../bytes.ts'
import type { PeerSession } from './peer-session.ts'
import type { Torrent } from './torrent.ts'

// Snapshots for the UI: plain numbers, computed on demand from the sessions' meters.

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
  peers: PeerStats[]
  banned: number
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
    outstandingRequests: s.outgoing.size,
    queuedRequests: s.incoming.length,
  }
}

export function torrentStats(t: Torrent): TorrentStats {
  const now = t.ports.clock.now()
  const peers = [...t.sessions.values()].filter((s) => s.ready).map((s) => peerStats(s, now, t.limits.snubTimeoutMs))
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
    done: t.isDone(),
    downloadRate: sum((p) => p.downloadRate),
    uploadRate: sum((p) => p.uploadRate),
    downloaded: t.totals.downloaded,
    uploaded: t.totals.uploaded,
    wasted: (d?.wasted ?? 0) + t.totals.late + [...t.sessions.values()].reduce((n, s) => n + s.lateBytes, 0),
    hashFailures: d?.hashFailures ?? 0,
    peers,
    banned: t.banned.size,
  }
}
