import { describe, expect, it } from 'vitest'
import { loadAppConfig, parseAppConfig } from './app-config.ts'

describe('app config', () => {
  it('keeps valid trackers and ICE servers, drops the rest', () => {
    const c = parseAppConfig(
      {
        trackers: ['wss://t.example/announce', 'udp://x:1', 42, 'ws://u/'],
        iceServers: [{ urls: 'stun:stun.example:3478' }, { urls: ['turn:t:3478'], username: 'u', credential: 'p' }, { urls: 5 }, 'stun:bad'],
      },
      'https://app.example/',
    )
    expect(c.trackers).toEqual(['wss://t.example/announce', 'ws://u/'])
    expect(c.iceServers).toEqual([{ urls: 'stun:stun.example:3478' }, { urls: ['turn:t:3478'], username: 'u', credential: 'p' }])
  })

  it("falls back to the page's own tracker when the config is missing or broken", async () => {
    expect(parseAppConfig('nonsense', 'https://app.example/x')).toEqual({ trackers: ['wss://app.example/announce'], iceServers: [] })
    const failing = (async () => new Response('nope', { status: 404 })) as typeof fetch
    expect(await loadAppConfig('http://127.0.0.1:9/', failing)).toEqual({ trackers: ['ws://127.0.0.1:9/announce'], iceServers: [] })
    const throwing = (async () => {
      throw new TypeError('network')
    }) as typeof fetch
    expect((await loadAppConfig('http://h/', throwing)).trackers).toEqual(['ws://h/announce'])
  })

  it('reads /config.json from the page origin', async () => {
    let asked = ''
    const ok = (async (u: URL) => {
      asked = String(u)
      return new Response(JSON.stringify({ trackers: ['ws://h/announce'], iceServers: [] }))
    }) as unknown as typeof fetch
    await loadAppConfig('http://h:8000/some/page?x#y', ok)
    expect(asked).toBe('http://h:8000/config.json')
  })
})
