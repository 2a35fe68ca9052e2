import { describe, expect, it } from 'vitest'
import type { TorrentView } from '../lib/torrent-view.ts'
import { arrange, countByFilter, pageTitle, totals } from './list-view.ts'

function view(p: Partial<TorrentView>): TorrentView {
  return {
    infoHashHex: 'a'.repeat(40), name: 'x', state: 'downloading', status: 'downloading', length: 100, pieceCount: 1, metaVersion: 1, infoHashV2Hex: null, verifiedPieces: 0,
    progress: 0, left: 100, fetchedThisSession: 0, downloaded: 0, uploaded: 0, downloadedTotal: 0, uploadedTotal: 0, ratio: 0,
    downloadRate: 0, uploadRate: 0, peers: 0, seeds: 0, swarmSeeds: null, swarmLeechers: null, etaSeconds: null, done: false,
    sequential: false, limits: { down: 0, up: 0 }, trackers: [], error: null, notice: null, trackerWarning: null, shareLink: '', addedAt: 0, checked: null, storedPieces: 0, fromFile: false, needsFiles: false, sessionOnly: false, files: null, ...p,
  }
}

describe('arrange', () => {
  const list = [
    view({ name: 'Beta', addedAt: 1, length: 300, status: 'seeding', done: true, uploadRate: 5 }),
    view({ name: 'alpha', addedAt: 2, length: 100, status: 'paused', state: 'paused' }),
    view({ name: 'Gamma', addedAt: 3, length: 200, status: 'waiting', etaSeconds: 50 }),
  ]
  const o = { filter: 'all' as const, search: '', sort: 'added' as const, descending: false }

  it('sorts by a column either way, names without case', () => {
    expect(arrange(list, { ...o, sort: 'name' }).map((v) => v.name)).toEqual(['alpha', 'Beta', 'Gamma'])
    expect(arrange(list, { ...o, sort: 'size', descending: true }).map((v) => v.name)).toEqual(['Beta', 'Gamma', 'alpha'])
    expect(arrange(list, { ...o, sort: 'eta' }).map((v) => v.name)).toEqual(['Gamma', 'Beta', 'alpha'])
  })

  it('filters by state and searches names', () => {
    expect(arrange(list, { ...o, filter: 'downloading' }).map((v) => v.name)).toEqual(['Gamma'])
    expect(arrange(list, { ...o, filter: 'active' }).map((v) => v.name)).toEqual(['Beta'])
    expect(arrange(list, { ...o, search: 'AM' }).map((v) => v.name)).toEqual(['Gamma'])
    expect(countByFilter(list)).toMatchObject({ all: 3, downloading: 1, seeding: 1, paused: 1, error: 0 })
  })
})

describe('totals and title', () => {
  it('adds rates and sizes; progress covers unfinished torrents only', () => {
    const t = totals([
      view({ length: 100, left: 50, progress: 0.5, downloadRate: 10 }),
      view({ length: 300, left: 300, progress: 0, downloadRate: 5, peers: 2 }),
      view({ length: 1000, left: 0, progress: 1, done: true, uploadRate: 7 }),
    ])
    expect(t).toMatchObject({ torrents: 3, size: 1400, downloadRate: 15, uploadRate: 7, peers: 2 })
    expect(t.progress).toBeCloseTo(50 / 400)
    expect(pageTitle(t)).toBe('12% · swarmdrop')
    expect(pageTitle(totals([view({ done: true, left: 0, progress: 1 })]))).toBe('swarmdrop')
  })
})
