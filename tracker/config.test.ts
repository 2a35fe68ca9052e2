import { describe, expect, it } from 'vitest'
import { ConfigError, parseConfig } from './config.ts'

const cfg = (argv: string[], env: Record<string, string> = {}) => {
  const r = parseConfig(argv, env)
  if (r.kind !== 'config') throw new Error('expected a config')
  return r.config
}

describe('parseConfig', () => {
  it('has defaults: port 8000, all interfaces, dist/web, self as tracker', () => {
    const c = cfg([])
    expect(c).toMatchObject({ port: 8000, host: '0.0.0.0', webRoot: 'dist/web', trustProxy: false, trackers: ['self'] })
    expect(c.limits.maxMessageBytes).toBe(65536)
  })

  it('gives the web app public STUN servers by default, and none when told', () => {
    const stun = cfg([]).iceServers.flatMap((s) => s.urls)
    expect(stun.length).toBeGreaterThan(0)
    expect(stun.every((u) => u.startsWith('stun:'))).toBe(true)
    expect(cfg(['--ice-servers-json', '[]']).iceServers).toEqual([])
  })

  it('reads PORT/HOST and SWARMDROP_* from the environment, and flags win', () => {
    const env = { PORT: '9000', HOST: '127.0.0.1', SWARMDROP_MAX_OFFERS: '3', SWARMDROP_TRUST_PROXY: 'true' }
    expect(cfg([], env)).toMatchObject({ port: 9000, host: '127.0.0.1', trustProxy: true, limits: { maxOffersPerAnnounce: 3 } })
    expect(cfg(['--port', '9100', '--max-offers=7'], env)).toMatchObject({ port: 9100, limits: { maxOffersPerAnnounce: 7 } })
  })

  it('binds the UDP tracker to --host unless --udp-host names another address', () => {
    expect(cfg(['--host', '127.0.0.1']).udpHost).toBeNull()
    expect(cfg(['--host', '127.0.0.1', '--udp-host', '::']).udpHost).toBe('::')
  })

  it('collects repeated and comma-separated lists', () => {
    const c = cfg(['--allow-origin', 'https://a.example,https://b.example', '--allow-origin', 'https://c.example', '--ice-server', 'stun:s.example'])
    expect(c.allowOrigins).toEqual(['https://a.example', 'https://b.example', 'https://c.example'])
    expect(c.iceServers).toEqual([{ urls: 'stun:s.example' }])
  })

  it('reads timing in seconds, fractions allowed', () => {
    expect(cfg(['--interval', '60', '--peer-ttl', '0.5']).timing).toMatchObject({ interval: 60, peerTtl: 0.5 })
  })

  it.each([
    [['--port', 'abc']], [['--port', '70000']], [['--max-offers', '-1']], [['--max-offers', '1.5']], [['--nope']],
    [['stray']], [['--port']], [['--tls-cert', 'a.pem']], [['--log-level', 'loud']], [['--trust-proxy=maybe']],
    [['--ice-servers-json', '{']],
  ])('rejects %j with a ConfigError', argv => {
    expect(() => parseConfig(argv)).toThrow(ConfigError)
  })

  it('shares swarms through Redis when given a URL (flag or SWARMDROP_REDIS_URL), with workers', () => {
    expect(cfg([])).toMatchObject({ redis: null, workers: 1, redisPrefix: 'swarmdrop:' })
    expect(cfg([], { SWARMDROP_REDIS_URL: 'redis://r:6379' }).redis).toBe('redis://r:6379')
    expect(cfg(['--redis', 'rediss://:pw@r:6380/2', '--workers', '4'], { SWARMDROP_REDIS_URL: 'redis://r:6379' }))
      .toMatchObject({ redis: 'rediss://:pw@r:6380/2', workers: 4 })
  })

  it('refuses more than one worker without Redis, saying why', () => {
    expect(() => parseConfig(['--workers', '2'])).toThrow(/--workers 2 needs --redis URL \(or SWARMDROP_REDIS_URL\): worker processes share swarms only through Redis/)
    expect(() => parseConfig(['--workers', '0', '--redis', 'redis://r'])).toThrow(ConfigError)
    expect(() => parseConfig(['--workers', '65', '--redis', 'redis://r'])).toThrow(ConfigError)
    expect(() => parseConfig(['--redis', 'http://r:6379'])).toThrow(/redis:\/\/ or rediss:\/\//)
  })

  it('seeds a folder in one process: --seed with Redis, but not with --workers', () => {
    expect(cfg(['--seed', '/srv/files', '--redis', 'redis://r'], {})).toMatchObject({ seedDir: '/srv/files', seedPort: 6881, workers: 1 })
    expect(cfg([], { SWARMDROP_SEED_DIR: '/srv/files' }).seedDir).toBe('/srv/files')
    expect(() => parseConfig(['--seed', '/srv/files', '--workers', '2', '--redis', 'redis://r'])).toThrow(/--seed runs in one process/)
  })

  it('prints help naming every flag and its environment variable', () => {
    const r = parseConfig(['--help'])
    expect(r.kind).toBe('help')
    if (r.kind === 'help') {
      expect(r.text).toContain('--tls-cert')
      expect(r.text).toContain('SWARMDROP_MAX_CONNECTIONS')
      expect(r.text).toContain('env PORT')
      expect(r.text).toContain('[65536]')
    }
  })
})
