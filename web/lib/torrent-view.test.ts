import { describe, expect, it } from 'vitest'
import type { TrackerStatus } from '../../webrtc/tracker-client.ts'
import { browserTrackerNotice, etaSeconds, shareRatio, statusOf, trackerWarning, type StatusInputs } from './torrent-view.ts'

const base: StatusInputs = { state: 'downloading', error: null, checking: false, hasMetadata: true, done: false, peers: 0, trackerReached: true }

describe('statusOf', () => {
  it.each([
    [{}, 'waiting'],
    [{ peers: 2 }, 'downloading'],
    [{ hasMetadata: false }, 'metadata'],
    [{ hasMetadata: false, trackerReached: false }, 'connecting'],
    [{ hasMetadata: false, trackerReached: false, peers: 1 }, 'metadata'],
    [{ done: true, peers: 3 }, 'seeding'],
    [{ state: 'paused' }, 'paused'],
    [{ state: 'paused', done: true }, 'paused'],
    [{ checking: true, state: 'paused' }, 'checking'],
    [{ error: 'disk full', done: true }, 'error'],
  ] as const)('%o -> %s', (patch, expected) => {
    expect(statusOf({ ...base, ...patch })).toBe(expected)
  })
})

describe('numbers', () => {
  it('time left needs something left and a rate', () => {
    expect(etaSeconds(1000, 100)).toBe(10)
    expect(etaSeconds(1001, 100)).toBe(11)
    expect(etaSeconds(0, 100)).toBeNull()
    expect(etaSeconds(null, 100)).toBeNull()
    expect(etaSeconds(1000, 0.2)).toBeNull()
  })

  it('ratio over downloaded, or over the size for what we shared', () => {
    expect(shareRatio(200, 100, 1000)).toBe(2)
    expect(shareRatio(500, 0, 1000)).toBe(0.5)
    expect(shareRatio(0, 0, null)).toBe(0)
  })
})

describe('browserTrackerNotice', () => {
  it('speaks up only when no tracker is a WebSocket one', () => {
    expect(browserTrackerNotice(['udp://tracker.example:1337/announce', 'http://t.example/announce'])).toMatch(/only udp:\/\/ or http:\/\/ trackers/)
    expect(browserTrackerNotice(['udp://a:1', 'wss://b/announce'])).toBeNull()
    expect(browserTrackerNotice([])).toBeNull()
  })
})

describe('trackerWarning', () => {
  const t = (p: Partial<TrackerStatus>): TrackerStatus => ({
    url: 'ws://t/announce', state: 'ok', error: null, warning: null, intervalS: 120, complete: null, incomplete: null, announces: 1, lastAnnounceAt: 0, peersIntroduced: 0, ...p,
  })

  it('is quiet while one tracker works or some are still connecting', () => {
    expect(trackerWarning([t({}), t({ state: 'disconnected' })], 0)).toBeNull()
    expect(trackerWarning([t({ state: 'connecting' }), t({ state: 'disconnected' })], 0)).toBeNull()
    expect(trackerWarning([t({ state: 'announcing', lastAnnounceAt: 10_000 })], 20_000)).toBeNull()
    expect(trackerWarning([], 0)).toBeNull()
  })

  it('says why each one fails', () => {
    const w = trackerWarning([t({ url: 'ws://a', state: 'disconnected', error: 'connection closed' }), t({ url: 'ws://b', state: 'failed', error: 'torrent not allowed' }), t({ url: 'ws://c', state: 'announcing', lastAnnounceAt: 0 })], 20_000)
    expect(w).toContain('ws://a cannot be reached (connection closed)')
    expect(w).toContain('ws://b refused it: torrent not allowed')
    expect(w).toContain('ws://c does not answer (no reply for 20 s)')
  })
})
