import type { PeerStats, Torrent, TorrentStats } from '../../shared/engine/index.ts'
import { toHex } from '../../shared/bytes.ts'
import { parseMagnet } from '../../shared/magnet/index.ts'
import type { TorrentInfo } from '../../shared/metainfo/index.ts'
import { fileStarts } from '../../shared/metainfo/index.ts'
import type { TorrentStore } from './torrent-store.ts'
import type { PieceWaiters } from './piece-waiters.ts'
import type { Library, LibraryRecord } from './library.ts'
import { clientName } from './peer-client.ts'
import type { SpeedHistory } from './speed-history.ts'
import type { TrackerClient, TrackerStatus } from '../../webrtc/tracker-client.ts'
import {
  browserTrackerNotice,
  countBits,
  etaSeconds,
  PIECE,
  shareRatio,
  statusOf,
  trackerWarning,
  type FilePriority,
  type FileView,
  type PeerView,
  type TorrentDetail,
  type TorrentView,
} from './torrent-view.ts'

// One torrent as the client holds it, the person's choices applied to its engine, and the snapshots
// the UI reads of it (views and details). The
// numbers come from the engine's stats; this file only gathers them, with the store's bitfield for what
// a paused torrent (no engine) has.

export interface Active {
  record: LibraryRecord
  store: TorrentStore
  persistence: ReturnType<Library['bitfieldPersistence']>
  engine: Torrent | null
  tracker: TrackerClient | null
  info: TorrentInfo | null
  fetched: number
  /** Pieces verified per the library's bitfield while the store is not open (paused). */
  storedBits: Uint8Array | null
  error: string | null
  /** Something the person should know that is not an error (shared from the file only, ...). */
  notice: string | null
  /** Not in the library: shared from the user's file for as long as the page lives. */
  sessionOnly: boolean
  trackers: TrackerStatus[]
  history: SpeedHistory
  /** A re-check under way: pieces checked so far. */
  checked: number | null
  /** Stop listening to the engine (set while it runs). */
  unlisten: (() => void) | null
  /** Streams and previews waiting for pieces. */
  waiters: PieceWaiters
  /** Pieces the streams want first, most urgent first (the engine gets the head of it). */
  deadline: number[]
  /** Stopped (paused, removed, destroyed): a copy cancelled by the stop is not the person's cancel. */
  stopped: boolean
}

/** The person's choices (file priorities, sequential, rate limits) applied to a running engine. */
export function applyChoices(a: Active): void {
  const engine = a.engine
  if (!engine) return
  engine.setSequential(a.record.sequential ?? false)
  engine.setRateLimits({ download: a.record.limits?.down ?? 0, upload: a.record.limits?.up ?? 0 })
  const p = a.record.filePriorities
  if (a.info && p) engine.setFilePriorities(a.info.files.map((_, i) => priorityValue(p[i] ?? 'normal')))
}

/** The engine's numbers for one torrent, or null while it does not run (paused, not started). */
export function statsOf(a: Active): TorrentStats | null {
  return a.engine?.stats() ?? null
}

/** The verified-piece bitfield: all of it while served from the user's files, else the OPFS store's, else the saved one. */
export function bitsOf(a: Active): Uint8Array | null {
  if (a.store.source && a.store.info) {
    const n = a.store.info.pieceCount
    const all = new Uint8Array(Math.ceil(n / 8)).fill(0xff)
    if (n % 8) all[all.length - 1] = (0xff << (8 - (n % 8))) & 0xff
    return all
  }
  return a.store.inner?.bitfield() ?? a.storedBits
}

function has(bits: Uint8Array | null, i: number): boolean {
  return !!bits && ((bits[i >> 3] ?? 0) & (0x80 >> (i & 7))) !== 0
}

export function priorityValue(p: FilePriority): number {
  return p === 'skip' ? 0 : p === 'high' ? 2 : 1
}

/** Per piece, the highest priority of the files it holds bytes of (0 = no wanted file). */
export function piecePriorityOf(info: TorrentInfo, priorities: readonly FilePriority[] | undefined): Uint8Array {
  const out = new Uint8Array(info.pieceCount)
  info.files.forEach((f, i) => {
    if (f.length === 0) return
    const v = priorityValue(priorities?.[i] ?? 'normal')
    const first = Math.floor(f.offset / info.pieceLength)
    const last = Math.min(info.pieceCount - 1, Math.floor((f.offset + f.length - 1) / info.pieceLength))
    for (let p = first; p <= last; p++) if (out[p]! < v) out[p] = v
  })
  return out
}

function pieceSize(info: TorrentInfo, i: number): number {
  return Math.min(info.pieceLength, info.length - i * info.pieceLength)
}

/** Bytes of wanted pieces still missing. */
export function leftOf(a: Active): number | null {
  const info = a.info
  if (!info) return null
  const bits = bitsOf(a)
  const wanted = piecePriorityOf(info, a.record.filePriorities)
  let left = 0
  for (let i = 0; i < info.pieceCount; i++) if (wanted[i]! > 0 && !has(bits, i)) left += pieceSize(info, i)
  return left
}

export function trackerUrlsOf(a: Active, fallback: readonly string[]): string[] {
  if (a.tracker) return [...a.tracker.urls]
  if (a.record.source.kind === 'magnet') return parseMagnet(a.record.source.uri).trackers
  return [...fallback]
}

export function viewOf(a: Active, shareLink: string, now: number = Date.now()): TorrentView {
  const stats = statsOf(a)
  const info = a.info
  const bits = bitsOf(a)
  const verified = bits ? bits.reduce((n, b) => n + countBits(b), 0) : 0
  const left = leftOf(a)
  const wantedBytes = info ? piecePriorityOf(info, a.record.filePriorities).reduce((n, v, i) => n + (v > 0 ? pieceSize(info, i) : 0), 0) : 0
  const progress = !info ? 0 : wantedBytes === 0 ? 1 : (wantedBytes - (left ?? 0)) / wantedBytes
  const done = stats ? stats.done : !!info && left === 0
  const t = a.record.totals
  const downloaded = stats?.downloaded ?? 0
  const uploaded = stats?.uploaded ?? 0
  const peers = byRemote(stats?.peers ?? []).map((g) => g[0]!)
  const swarm = a.trackers.reduce<{ s: number | null; l: number | null }>(
    (m, x) => ({ s: x.complete === null ? m.s : Math.max(m.s ?? 0, x.complete), l: x.incomplete === null ? m.l : Math.max(m.l ?? 0, x.incomplete) }),
    { s: null, l: null },
  )
  const announce =
    info && 'announce' in info ? (info as { announce: string[][] }).announce.flat()
    : a.record.source.kind === 'magnet' ? parseMagnet(a.record.source.uri).trackers
    : []
  const downloadRate = stats?.downloadRate ?? 0
  const needsFiles = a.record.seededFromDrop && !a.store.source && info !== null && verified < info.pieceCount
  return {
    infoHashHex: a.record.infoHashHex,
    name: info?.name ?? a.record.name,
    state: a.record.state,
    status: statusOf({
      state: a.record.state,
      error: a.error,
      checking: a.checked !== null,
      hasMetadata: !!info,
      done,
      peers: peers.length,
      trackerReached: a.trackers.some((x) => x.state === 'ok' || x.state === 'announcing'),
    }),
    length: info?.length ?? null,
    pieceCount: info?.pieceCount ?? null,
    metaVersion: info?.metaVersion ?? null,
    infoHashV2Hex: info?.infoHashV2 ? toHex(info.infoHashV2) : null,
    verifiedPieces: verified,
    progress,
    left,
    fetchedThisSession: a.fetched,
    downloaded,
    uploaded,
    downloadedTotal: t.downloaded + downloaded,
    uploadedTotal: t.uploaded + uploaded,
    ratio: shareRatio(t.uploaded + uploaded, t.downloaded + downloaded, info?.length ?? null),
    downloadRate,
    uploadRate: stats?.uploadRate ?? 0,
    peers: peers.length,
    seeds: peers.filter((p) => p.flags.includes('X')).length,
    swarmSeeds: swarm.s,
    swarmLeechers: swarm.l,
    etaSeconds: done || a.record.state === 'paused' ? null : etaSeconds(left, downloadRate),
    done,
    sequential: a.record.sequential ?? false,
    limits: a.record.limits ?? { down: 0, up: 0 },
    trackers: a.trackers,
    error: a.error,
    notice:
      a.notice ??
      (needsFiles ? 'Part of this torrent was not copied into the browser before the page was closed: pick its files again to share all of it.' : null) ??
      browserTrackerNotice(announce),
    trackerWarning: a.engine && !done ? trackerWarning(a.trackers, now) : null,
    shareLink,
    addedAt: a.record.addedAt,
    checked: a.checked,
    storedPieces: a.store.info ? a.store.storedCount() : verified,
    fromFile: a.store.source !== null,
    needsFiles,
    sessionOnly: a.sessionOnly,
    files: info ? info.files.flatMap((f, index) => (f.padding ? [] : [{ index, path: f.path, length: f.length }])) : null,
  }
}

export function filesOf(a: Active): FileView[] {
  const info = a.info
  if (!info) return []
  const bits = bitsOf(a)
  const starts = fileStarts(info.files.map((f) => f.length))
  const out: FileView[] = []
  info.files.forEach((f, index) => {
    if (f.padding) return
    let have = 0
    if (f.length > 0) {
      const s = starts[index]!
      const e = s + f.length
      for (let p = Math.floor(s / info.pieceLength); p * info.pieceLength < e; p++) {
        if (!has(bits, p)) continue
        const ps = p * info.pieceLength
        have += Math.min(e, ps + pieceSize(info, p)) - Math.max(s, ps)
      }
    }
    out.push({ index, path: f.path, length: f.length, have, priority: a.record.filePriorities?.[index] ?? 'normal', done: have === f.length })
  })
  return out
}

export function peersOf(a: Active): PeerView[] {
  const stats = statsOf(a)
  if (!stats) return []
  return byRemote(stats.peers).map((lanes) => {
    const p = lanes[0]!
    const kind = p.kind === 'tcp' ? 'TCP' : p.kind === 'webrtc' || p.kind === null ? 'WebRTC' : p.kind
    const sum = (f: (x: PeerStats) => number) => lanes.reduce((n, x) => n + f(x), 0)
    return {
      id: p.id,
      client: clientName(p.peerId, p.client),
      connection: lanes.length > 1 ? `${kind} ×${lanes.length}` : kind,
      connections: lanes.length,
      downloadRate: sum((x) => x.downloadRate),
      uploadRate: sum((x) => x.uploadRate),
      downloaded: sum((x) => x.downloaded),
      uploaded: sum((x) => x.uploaded),
      progress: lanes.reduce<number | null>((m, x) => (x.progress === null ? m : Math.max(m ?? 0, x.progress)), null),
      flags: p.flags,
    }
  })
}

/** The sessions of each remote peer (several when it has lanes: same peer id), first session first. */
function byRemote(peers: readonly PeerStats[]): PeerStats[][] {
  const groups = new Map<string, PeerStats[]>()
  for (const p of peers) {
    const key = p.peerId ?? `#${p.id}`
    const g = groups.get(key)
    if (g) g.push(p)
    else groups.set(key, [p])
  }
  return [...groups.values()]
}

/** One PIECE value per piece: the engine's map while it runs, else from the bitfield and the priorities. */
export function piecesOf(a: Active): Uint8Array {
  const info = a.info
  if (!info) return new Uint8Array(0)
  const live = a.engine?.pieceStates()
  if (live && live.length === info.pieceCount) return live
  const bits = bitsOf(a)
  const wanted = piecePriorityOf(info, a.record.filePriorities)
  const out = new Uint8Array(info.pieceCount)
  for (let i = 0; i < info.pieceCount; i++) out[i] = has(bits, i) ? PIECE.verified : wanted[i] === 0 ? PIECE.skipped : PIECE.missing
  return out
}

export function detailOf(a: Active): TorrentDetail {
  return {
    infoHashHex: a.record.infoHashHex,
    files: filesOf(a),
    peers: peersOf(a),
    pieces: piecesOf(a),
    history: a.history.samples(),
    trackers: a.trackers.map((t) => ({ ...t, nextAnnounceAt: t.lastAnnounceAt !== null && t.state !== 'stopped' ? t.lastAnnounceAt + t.intervalS * 1000 : null })),
  }
}

/** A torrent's stored files (for save.ts), in torrent order; `completeOnly` leaves out partial ones. */
export async function storedFiles(a: Active | undefined, completeOnly: boolean): Promise<{ path: string[]; file: File }[]> {
  const store = a?.store.inner
  const source = a?.store.source ?? null
  if (!a?.info || (!store && !source)) throw new Error('the torrent has no data yet')
  const complete = new Set(filesOf(a).filter((f) => f.done).map((f) => f.index))
  const out: { path: string[]; file: File }[] = []
  for (let i = 0; i < a.info.files.length; i++) {
    const f = a.info.files[i]!
    if (f.padding || (completeOnly && !complete.has(i))) continue
    // While a dropped file is still being copied, OPFS holds only part of it: save from the source.
    const file = source ? new File([source.slice(f.offset, f.offset + f.length)], f.path[f.path.length - 1]!) : await store!.file(i)
    out.push({ path: f.path, file })
  }
  return out
}
