import { describe, expect, it } from 'vitest'
import { DEFAULT_SETTINGS, effectiveConfig, iceLines, loadSettings, parseIceLines, parseSettings, parseTrackerLines, saveSettings } from './settings.ts'

describe('settings', () => {
  it('falls back field by field on bad values', () => {
    const s = parseSettings({ trackers: ['wss://t.example/announce', 'udp://x:1', 7], maxPeersPerTorrent: -3, upLimit: 1000, keepSeeding: 'yes' })
    expect(s.trackers).toEqual(['wss://t.example/announce'])
    expect(s.maxPeersPerTorrent).toBe(DEFAULT_SETTINGS.maxPeersPerTorrent)
    expect(s.upLimit).toBe(1000)
    expect(s.keepSeeding).toBe(true)
    expect(parseSettings('garbage')).toEqual(DEFAULT_SETTINGS)
  })

  it('keeps the share format only when it is one of v1, v2 and hybrid; v1 by default', () => {
    expect(DEFAULT_SETTINGS.shareAs).toBe(1)
    expect(parseSettings({ shareAs: 'hybrid' }).shareAs).toBe('hybrid')
    expect(parseSettings({ shareAs: 2 }).shareAs).toBe(2)
    for (const bad of [3, '2', 'v2', null, true]) expect(parseSettings({ shareAs: bad }).shareAs).toBe(1)
  })

  it('keeps only ICE servers with stun/turn URLs', () => {
    const s = parseSettings({ iceServers: [{ urls: 'stun:s.example:3478' }, { urls: 'http://nope' }, { urls: ['turn:t.example'], username: 'u', credential: 'p' }] })
    expect(s.iceServers).toEqual([{ urls: 'stun:s.example:3478' }, { urls: ['turn:t.example'], username: 'u', credential: 'p' }])
  })

  it('round-trips through storage, and survives a corrupt entry', () => {
    const m = new Map<string, string>()
    const storage = { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v) }
    saveSettings({ ...DEFAULT_SETTINGS, downLimit: 5000, keepSeeding: false }, storage)
    expect(loadSettings(storage)).toMatchObject({ downLimit: 5000, keepSeeding: false })
    m.set('swarmdrop-settings', '{not json')
    expect(loadSettings(storage)).toEqual(DEFAULT_SETTINGS)
  })

  it('puts the person’s trackers and ICE servers over the deployment’s', () => {
    const config = { trackers: ['ws://own/announce'], iceServers: [{ urls: 'stun:a' }] }
    expect(effectiveConfig(config, DEFAULT_SETTINGS)).toEqual(config)
    expect(effectiveConfig(config, { ...DEFAULT_SETTINGS, trackers: ['wss://x/announce'], iceServers: [] })).toEqual({ trackers: ['wss://x/announce'], iceServers: [] })
  })

  it('splits tracker lines into good ones and the rest', () => {
    expect(parseTrackerLines(' wss://a/announce\n\nudp://b:80\nwss://a/announce\n')).toEqual({ trackers: ['wss://a/announce'], bad: ['udp://b:80'] })
  })
})

describe('ICE server lines', () => {
  it('reads STUN and TURN with credentials, and names the bad lines', () => {
    const { servers, bad } = parseIceLines('stun:s.example:3478\nturn:t.example:3478 alice secret\nhttp://nope\nturn:x a b c')
    expect(servers).toEqual([{ urls: 'stun:s.example:3478' }, { urls: 'turn:t.example:3478', username: 'alice', credential: 'secret' }])
    expect(bad).toEqual(['http://nope', 'turn:x a b c'])
    expect(iceLines(servers)).toBe('stun:s.example:3478\nturn:t.example:3478 alice secret')
    expect(iceLines([{ urls: ['stun:a', 'stun:b'] }])).toBe('stun:a\nstun:b')
  })
})
