import type { MetaVersion } from '../../shared/metainfo/index.ts'
import type { LibraryRecord } from './library.ts'
import type { TrackerStatus } from '../../webrtc/tracker-client.ts'

// What the UI shows: plain snapshots SwarmClient builds on demand (views() for the list, detail() for
// the one torrent a person opened). Numbers come from the engine's stats (rates, peers, pieces); the UI
// formats them and never derives them.

/** The state of a torrent in plain words (statusLabel). */
export type TorrentStatus = 'connecting' | 'metadata' | 'waiting' | 'downloading' | 'seeding' | 'paused' | 'checking' | 'error'

/** skip = never fetched; high = fetched before normal files (the picker's priorities 0, 1, 2). */
export type FilePriority = 'skip' | 'normal' | 'high'

export interface RateLimits {
  /** Bytes per second; 0 = no limit. */
  down: number
  up: number
}

export interface TorrentView {
  infoHashHex: string
  name: string
  state: LibraryRecord['state']
  status: TorrentStatus
  length: number | null
  pieceCount: number | null
  /** BEP 52: 1, 2 (v2-only) or 'hybrid'; null before the metadata. */
  metaVersion: MetaVersion | null
  /** The SHA-256 info hash, 64 hex (v2 and hybrid); null for v1 or before the metadata. */
  infoHashV2Hex: string | null
  verifiedPieces: number
  /** 0..1 of the wanted pieces (all of them unless files are skipped). */
  progress: number
  /** Bytes of wanted pieces still missing; null before the metadata. */
  left: number | null
  /** Pieces verified (fetched and hashed) in this page's life: a resumed download never refetches one. */
  fetchedThisSession: number
  /** Payload bytes in this page's life. */
  downloaded: number
  uploaded: number
  /** Payload bytes over the torrent's life in this browser (library totals plus this session). */
  downloadedTotal: number
  uploadedTotal: number
  /** uploaded / downloaded over the torrent's life (uploaded / size for what we shared ourselves). */
  ratio: number
  downloadRate: number
  uploadRate: number
  /** Connected peers, and those of them that have every piece. */
  peers: number
  seeds: number
  /** What the trackers say of the whole swarm (the largest answer); null before one answered. */
  swarmSeeds: number | null
  swarmLeechers: number | null
  /** Seconds to finish at the current rate; null when not downloading or no rate. */
  etaSeconds: number | null
  done: boolean
  sequential: boolean
  limits: RateLimits
  trackers: TrackerStatus[]
  error: string | null
  /** Something the person should know that is not an error (a .torrent with no WebRTC tracker). */
  notice: string | null
  /** Why no tracker helps this torrent right now (unreachable, refusing, silent), while none does. */
  trackerWarning: string | null
  shareLink: string
  addedAt: number
  /** A re-check under way: pieces checked so far of pieceCount. */
  checked: number | null
  /** Pieces in the browser's storage (OPFS); below verifiedPieces while a dropped file is being copied. */
  storedPieces: number
  /** Pieces are (also) served from the user's own file (dropped or picked again). */
  fromFile: boolean
  /** Dropped here, but part of it never reached OPFS (a reload came first): pick its files again. */
  needsFiles: boolean
  /** Not kept in the browser: shared from the user's file while the page is open. */
  sessionOnly: boolean
  /** The torrent's files (padding left out), once the metadata is known; `index` is for streamUrl. */
  files: { index: number; path: string[]; length: number }[] | null
}

/** Each piece of the piece map (the engine's values). */
export { PIECE_STATE as PIECE } from '../../shared/engine/index.ts'

export interface FileView {
  index: number
  path: string[]
  length: number
  /** Verified bytes of this file. */
  have: number
  priority: FilePriority
  done: boolean
}

export interface PeerView {
  id: number
  /** The peer's client: from its extended handshake's `v`, else decoded from its peer id. */
  client: string
  /** How we reached it: the transport's kind (the tab's are all WebRTC; a Node peer's may be TCP), with
   *  `×N` when it runs over N connections (lanes to a swarmdrop peer: webrtc/peer-pool.ts). */
  connection: string
  /** Connections (engine sessions) to this peer: its lanes; their numbers are summed here. */
  connections: number
  downloadRate: number
  uploadRate: number
  downloaded: number
  uploaded: number
  /** 0..1 of the torrent the peer has, when known. */
  progress: number | null
  /** uTorrent-style flags (see shared/engine/stats.ts). */
  flags: string
}

export interface SpeedSample {
  /** Milliseconds (performance.now() of the page). */
  t: number
  down: number
  up: number
}

export interface TrackerView extends TrackerStatus {
  /** When the next periodic announce is due (Date.now() milliseconds), when known. */
  nextAnnounceAt: number | null
}

export interface TorrentDetail {
  infoHashHex: string
  files: FileView[]
  peers: PeerView[]
  /** One PIECE value per piece; empty before the metadata. */
  pieces: Uint8Array
  history: SpeedSample[]
  trackers: TrackerView[]
}

/** Set bits in one byte of a bitfield. */
export function countBits(byte: number): number {
  let n = 0
  for (let v = byte; v; v &= v - 1) n++
  return n
}

export interface StatusInputs {
  state: LibraryRecord['state']
  error: string | null
  checking: boolean
  hasMetadata: boolean
  done: boolean
  peers: number
  /** Some tracker answered, or a socket to one is open. */
  trackerReached: boolean
}

/** The plain-word state of a torrent, from what the client knows of it. */
export function statusOf(i: StatusInputs): TorrentStatus {
  if (i.error) return 'error'
  if (i.checking) return 'checking'
  if (i.state === 'paused') return 'paused'
  if (i.done) return 'seeding'
  if (i.peers === 0 && !i.trackerReached) return 'connecting'
  if (!i.hasMetadata) return 'metadata'
  if (i.peers === 0) return 'waiting'
  return 'downloading'
}

export const STATUS_LABEL: Record<TorrentStatus, string> = {
  connecting: 'Connecting to the tracker',
  metadata: 'Fetching metadata',
  waiting: 'Waiting for peers',
  downloading: 'Downloading',
  seeding: 'Seeding',
  paused: 'Paused',
  checking: 'Checking data',
  error: 'Error',
}

/** Seconds left at `rate` bytes/s; null when nothing is coming or nothing is left. */
export function etaSeconds(left: number | null, rate: number): number | null {
  if (left === null || left <= 0 || rate < 1) return null
  return Math.ceil(left / rate)
}

/** Share ratio as clients show it: uploaded / downloaded; what we shared ourselves counts its size. */
export function shareRatio(uploaded: number, downloaded: number, length: number | null): number {
  const base = downloaded > 0 ? downloaded : (length ?? 0)
  return base > 0 ? uploaded / base : 0
}

/** A tracker that took an announce but has not answered for this long is called silent. */
export const TRACKER_SILENT_MS = 15_000

/** Why the torrent's trackers do not help, in words; null while one of them works. */
export function trackerWarning(trackers: readonly TrackerStatus[], now: number): string | null {
  if (trackers.length === 0 || trackers.some((t) => t.state === 'ok' || t.state === 'stopped')) return null
  const silent = (t: TrackerStatus) => t.state === 'announcing' && t.lastAnnounceAt !== null && now - t.lastAnnounceAt >= TRACKER_SILENT_MS
  if (trackers.some((t) => t.state === 'announcing' && !silent(t))) return null
  const why = (t: TrackerStatus): string | null => {
    if (t.state === 'failed') return `${t.url} refused it: ${t.error ?? 'no reason given'}`
    if (t.state === 'disconnected') return `${t.url} cannot be reached (${t.error ?? 'no connection'})`
    if (silent(t)) return `${t.url} does not answer (no reply for ${Math.round((now - t.lastAnnounceAt!) / 1000)} s)`
    return null
  }
  const reasons = trackers.map(why).filter((r): r is string => r !== null)
  if (reasons.length < trackers.length) return null // some are still connecting: too early to say
  return `No tracker helps this torrent find peers: ${reasons.join('; ')}. Retrying; add a tracker that works in Settings, or open the torrent from a share link of a page whose tracker works.`
}

/**
 * A torrent whose trackers are all udp:// or http(s):// cannot find peers from a tab: browsers reach
 * only WebRTC peers, which only WebSocket trackers introduce. Null when some tracker is ws:// or wss://.
 */
export function browserTrackerNotice(announce: readonly string[]): string | null {
  if (announce.length === 0 || announce.some((u) => /^wss?:\/\//i.test(u))) return null
  return (
    'This torrent lists only udp:// or http:// trackers. A browser can reach only WebRTC peers, which ' +
    'those trackers do not introduce: this page added its own tracker, so peers come only if someone ' +
    'seeds this torrent through a WebSocket tracker (another swarmdrop or WebTorrent tab), or a seed ' +
    'that bridges classic clients (the swarmdrop command line or a WebTorrent desktop client) joins it.'
  )
}
