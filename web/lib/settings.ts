import type { MetaVersion } from '../../shared/metainfo/index.ts'
import { APP_CONFIG_LIMITS, isIceServer, type AppConfig } from './app-config.ts'
import { SHARE_META_VERSION } from './seed-files.ts'

// What a person sets in the page and keeps across reloads (localStorage: small, read once before the
// client starts, so the first render already follows it). Anything unusable is dropped, never thrown:
// a hand-edited or old value must not keep the page from starting.

export interface Settings {
  /** Trackers new torrents announce to (ws:// or wss://); empty = the deployment's (/config.json). */
  trackers: string[]
  /** ICE servers (STUN/TURN); null = the deployment's. */
  iceServers: RTCIceServer[] | null
  /** Peers per torrent and in total (WebRTC connections cost a thread and ports each). */
  maxPeersPerTorrent: number
  maxPeersTotal: number
  /** Global rate limits in bytes per second; 0 = none. */
  downLimit: number
  upLimit: number
  /** Keep seeding a torrent once it is complete (else it is paused when it finishes). */
  keepSeeding: boolean
  /** The version files are shared in (BEP 52): v1 by default, seed-files.ts says why. */
  shareAs: MetaVersion
}

export const SETTINGS_LIMITS = { maxPeersPerTorrent: 200, maxPeersTotal: 500, maxRate: 10 * 1024 ** 3 } as const

export const DEFAULT_SETTINGS: Settings = {
  trackers: [],
  iceServers: null,
  maxPeersPerTorrent: 55,
  maxPeersTotal: 150,
  downLimit: 0,
  upLimit: 0,
  keepSeeding: true,
  shareAs: SHARE_META_VERSION,
}

export function isMetaVersion(v: unknown): v is MetaVersion {
  return v === 1 || v === 2 || v === 'hybrid'
}

const STORAGE_KEY = 'swarmdrop-settings'

function int(v: unknown, min: number, max: number, fallback: number): number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max ? v : fallback
}

export function isTrackerUrl(u: unknown): u is string {
  if (typeof u !== 'string' || !/^wss?:\/\/./i.test(u)) return false
  try {
    new URL(u)
    return true
  } catch {
    return false
  }
}

/** Validate stored settings; each field falls back to its default on its own. */
export function parseSettings(json: unknown): Settings {
  const o = typeof json === 'object' && json !== null ? (json as Record<string, unknown>) : {}
  const d = DEFAULT_SETTINGS
  const L = SETTINGS_LIMITS
  return {
    trackers: Array.isArray(o['trackers']) ? [...new Set(o['trackers'].filter(isTrackerUrl))].slice(0, APP_CONFIG_LIMITS.maxTrackers) : d.trackers,
    iceServers: Array.isArray(o['iceServers']) ? o['iceServers'].filter(isIceServer).slice(0, APP_CONFIG_LIMITS.maxIceServers) : d.iceServers,
    maxPeersPerTorrent: int(o['maxPeersPerTorrent'], 1, L.maxPeersPerTorrent, d.maxPeersPerTorrent),
    maxPeersTotal: int(o['maxPeersTotal'], 1, L.maxPeersTotal, d.maxPeersTotal),
    downLimit: int(o['downLimit'], 0, L.maxRate, d.downLimit),
    upLimit: int(o['upLimit'], 0, L.maxRate, d.upLimit),
    keepSeeding: typeof o['keepSeeding'] === 'boolean' ? o['keepSeeding'] : d.keepSeeding,
    shareAs: isMetaVersion(o['shareAs']) ? o['shareAs'] : d.shareAs,
  }
}

/** The deployment's config with the person's choices over it. */
export function effectiveConfig(config: AppConfig, s: Settings): AppConfig {
  return { trackers: s.trackers.length > 0 ? s.trackers : config.trackers, iceServers: s.iceServers ?? config.iceServers }
}

export function loadSettings(storage: Pick<Storage, 'getItem'> = localStorage): Settings {
  try {
    return parseSettings(JSON.parse(storage.getItem(STORAGE_KEY) ?? 'null'))
  } catch {
    return { ...DEFAULT_SETTINGS }
  }
}

export function saveSettings(s: Settings, storage: Pick<Storage, 'setItem'> = localStorage): void {
  storage.setItem(STORAGE_KEY, JSON.stringify(s))
}

/** Lines of text (one URL a line) -> tracker URLs, and the lines that are not one. */
export function parseTrackerLines(text: string): { trackers: string[]; bad: string[] } {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean)
  return { trackers: [...new Set(lines.filter(isTrackerUrl))], bad: lines.filter((l) => !isTrackerUrl(l)) }
}

/** Lines like `stun:host:3478` or `turn:host:3478 user secret` -> ICE servers, and the lines that are not. */
export function parseIceLines(text: string): { servers: RTCIceServer[]; bad: string[] } {
  const servers: RTCIceServer[] = []
  const bad: string[] = []
  for (const line of text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean)) {
    const [urls, username, credential, ...rest] = line.split(/\s+/)
    const s: RTCIceServer = { urls: urls! }
    if (username !== undefined) s.username = username
    if (credential !== undefined) s.credential = credential
    if (rest.length === 0 && isIceServer(s)) servers.push(s)
    else bad.push(line)
  }
  return { servers, bad }
}

export function iceLines(servers: readonly RTCIceServer[]): string {
  return servers
    .flatMap((s) => (Array.isArray(s.urls) ? s.urls : [s.urls]).map((u) => [u, s.username, s.credential].filter((x) => x !== undefined).join(' ')))
    .join('\n')
}
