import type { TorrentStatus, TorrentView } from '../lib/torrent-view.ts'

// The list as a person arranges it: filtered by state, searched by name, sorted by a column, with a
// total line and the tab title's overall progress. Pure functions of the views.

export type StateFilter = 'all' | 'active' | 'downloading' | 'seeding' | 'paused' | 'error'

export const FILTER_LABEL: Record<StateFilter, string> = {
  all: 'All',
  active: 'Active',
  downloading: 'Downloading',
  seeding: 'Seeding',
  paused: 'Paused',
  error: 'Error',
}

const DOWNLOADING: ReadonlySet<TorrentStatus> = new Set(['connecting', 'metadata', 'waiting', 'downloading', 'checking'])

export function matchesFilter(v: TorrentView, f: StateFilter): boolean {
  switch (f) {
    case 'all':
      return true
    case 'active':
      return v.downloadRate >= 1 || v.uploadRate >= 1
    case 'downloading':
      return DOWNLOADING.has(v.status)
    case 'seeding':
      return v.status === 'seeding'
    case 'paused':
      return v.status === 'paused'
    case 'error':
      return v.status === 'error'
  }
}

export type SortKey = 'added' | 'name' | 'size' | 'progress' | 'down' | 'up' | 'peers' | 'ratio' | 'eta'

export const SORT_LABEL: Record<SortKey, string> = {
  added: 'Date added',
  name: 'Name',
  size: 'Size',
  progress: 'Progress',
  down: 'Download speed',
  up: 'Upload speed',
  peers: 'Peers',
  ratio: 'Ratio',
  eta: 'Time left',
}

const KEY: Record<SortKey, (v: TorrentView) => number | string> = {
  added: (v) => v.addedAt,
  name: (v) => v.name.toLocaleLowerCase(),
  size: (v) => v.length ?? -1,
  progress: (v) => v.progress,
  down: (v) => v.downloadRate,
  up: (v) => v.uploadRate,
  peers: (v) => v.peers,
  ratio: (v) => v.ratio,
  eta: (v) => v.etaSeconds ?? Number.MAX_SAFE_INTEGER,
}

/** Filtered, searched and sorted; ties keep the order they were added in (a stable list: no jumping rows). */
export function arrange(views: readonly TorrentView[], o: { filter: StateFilter; search: string; sort: SortKey; descending: boolean }): TorrentView[] {
  const q = o.search.trim().toLocaleLowerCase()
  const key = KEY[o.sort]
  const dir = o.descending ? -1 : 1
  return views
    .filter((v) => matchesFilter(v, o.filter) && (q === '' || v.name.toLocaleLowerCase().includes(q)))
    .map((v, i) => ({ v, i, k: key(v) }))
    .sort((a, b) => (a.k < b.k ? -dir : a.k > b.k ? dir : a.i - b.i))
    .map((x) => x.v)
}

export function countByFilter(views: readonly TorrentView[]): Record<StateFilter, number> {
  const out = { all: 0, active: 0, downloading: 0, seeding: 0, paused: 0, error: 0 }
  for (const v of views) for (const f of Object.keys(out) as StateFilter[]) if (matchesFilter(v, f)) out[f]++
  return out
}

export interface Totals {
  torrents: number
  size: number
  downloadRate: number
  uploadRate: number
  peers: number
  /** Overall progress of unfinished torrents (0..1), null when none is downloading. */
  progress: number | null
}

export function totals(views: readonly TorrentView[]): Totals {
  let wanted = 0
  let left = 0
  let downloading = 0
  const t: Totals = { torrents: views.length, size: 0, downloadRate: 0, uploadRate: 0, peers: 0, progress: null }
  for (const v of views) {
    t.size += v.length ?? 0
    t.downloadRate += v.downloadRate
    t.uploadRate += v.uploadRate
    t.peers += v.peers
    if (!v.done && v.state !== 'paused' && v.status !== 'error') {
      downloading++
      if (v.length !== null && v.left !== null) {
        left += v.left
        wanted += v.left / Math.max(1e-9, 1 - v.progress)
      }
    }
  }
  if (downloading > 0) t.progress = wanted > 0 ? Math.min(1, Math.max(0, 1 - left / wanted)) : 0
  return t
}

/** The tab title: overall progress while something downloads, so it shows in the tab strip. */
export function pageTitle(t: Totals): string {
  if (t.progress === null) return 'swarmdrop'
  return `${Math.floor(t.progress * 100)}% · swarmdrop`
}
