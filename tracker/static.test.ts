// The one-port HTTP side: web app files, caching, security headers, operator routes.

import { afterEach, describe, expect, it } from 'vitest'
import { request } from 'node:http'
import { StaticFiles } from './static.ts'
import { makeWebRoot, startTestServer, type TestServer } from './test-support/harness.ts'

let server: TestServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})
/** fetch cannot set Host; this can. */
function getJson(path: string, headers: Record<string, string>): Promise<unknown> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port: server?.port, path, headers }, res => {
      let body = ''
      res.on('data', (d: Buffer) => { body += d.toString() })
      res.on('end', () => resolve(JSON.parse(body)))
    }).on('error', reject).end()
  })
}
const get = (path: string, init?: RequestInit): Promise<Response> => fetch(`http://127.0.0.1:${server?.port}${path}`, init)

describe('web app files', () => {
  it('serves index.html at / with no-cache and the security headers', async () => {
    const root = makeWebRoot()
    server = await startTestServer(c => { c.webRoot = root })
    const res = await get('/')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(res.headers.get('cache-control')).toBe('no-cache')
    expect(res.headers.get('content-security-policy')).toContain("connect-src 'self' ws: wss:")
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    expect(res.headers.get('referrer-policy')).toBe('no-referrer')
    expect(await res.text()).toContain('<title>swarmdrop</title>')
  })

  it('serves hashed assets as immutable with their content types, and 304 on a matching ETag', async () => {
    const root = makeWebRoot()
    server = await startTestServer(c => { c.webRoot = root })
    const js = await get('/assets/index-abc123.js')
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
    expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
    expect(await js.text()).toBe('console.log(1)')
    const css = await get('/assets/style-abc123.css')
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8')
    const again = await get('/assets/index-abc123.js', { headers: { 'If-None-Match': js.headers.get('etag') ?? '' } })
    expect(again.status).toBe(304)
  })

  it('never serves dotfiles or paths outside the root; unknown client routes get the app shell', async () => {
    const root = makeWebRoot()
    server = await startTestServer(c => { c.webRoot = root })
    expect((await get('/.secret')).status).toBe(404)
    expect(await (await get('/%2e%2e/%2e%2e/etc/passwd')).text()).not.toContain('root:')
    expect(await (await get('/assets/..%2f..%2f..%2fpackage.json')).text()).not.toContain('"name"')
    const files = new StaticFiles(root)
    expect(files.resolvePath('/../../etc/passwd')?.startsWith(files.root)).toBe(true)
    expect(files.resolvePath('/assets/..%2f..%2f..%2fetc%2fpasswd')?.startsWith(files.root)).toBe(true)
    expect(files.resolvePath('/a%00b')).toBeNull()
    expect(files.resolvePath('/%E0%A4%A')).toBeNull()
    expect((await get('/missing.js')).status).toBe(404)
    expect(await (await get('/library/some-torrent')).text()).toContain('<title>swarmdrop</title>')
    expect((await get('/', { method: 'POST' })).status).toBe(405)
  })

  it('says clearly when the web app is not built, and still runs the tracker', async () => {
    server = await startTestServer()
    const res = await get('/')
    expect(res.status).toBe(503)
    expect(await res.text()).toContain('npm run build')
    expect((await get('/healthz')).status).toBe(200)
  })
})

describe('operator routes', () => {
  it('/stats, /metrics, /healthz and /config.json', async () => {
    server = await startTestServer(c => { c.iceServers = [{ urls: 'stun:stun.example:3478' }]; c.trackers = ['self', 'wss://tracker.example/announce'] })
    const stats = (await (await get('/stats')).json()) as Record<string, unknown>
    expect(stats).toMatchObject({ torrents: 0, peers: 0, seeders: 0, leechers: 0, connections: 0, messagesPerSecond: 0 })
    expect(stats.memory).toMatchObject({ rss: expect.any(Number) })
    const metrics = await (await get('/metrics')).text()
    expect(metrics).toContain('swarmdrop_connections 0')
    expect(metrics).toContain('swarmdrop_messages_total 0')
    expect(await (await get('/healthz')).json()).toEqual({ status: 'ok' })
    const cfg = await getJson('/config.json', { Host: 'drop.example' })
    expect(cfg).toEqual({ trackers: ['ws://drop.example/announce', 'wss://tracker.example/announce'], iceServers: [{ urls: 'stun:stun.example:3478' }] })
  })

  it('/config.json says wss behind a TLS proxy when proxies are trusted', async () => {
    server = await startTestServer(c => { c.trustProxy = true })
    const cfg = (await getJson('/config.json', { Host: 'drop.example', 'X-Forwarded-Proto': 'https' })) as { trackers: string[] }
    expect(cfg.trackers).toEqual(['wss://drop.example/announce'])
  })
})
