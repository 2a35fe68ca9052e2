// Interop: two browser contexts run the `webtorrent` package's own browser bundle; one seeds random
// bytes, the other downloads them by magnet, and the only tracker is ours (a separate process).
// The bytes must arrive intact (SHA-256 compared in Node), and our tracker must have relayed the
// offers and answers (its /stats), so the peers really met through it.

import { createHash, randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { expect, test, type BrowserContext, type Page } from '@playwright/test'
import { startAppServer, type AppServer } from './support/app-server.ts'

const bundle = readFileSync(fileURLToPath(new URL('../node_modules/webtorrent/dist/webtorrent.min.js', import.meta.url)))
const SIZE = 3 * 1024 * 1024 + 12345 // a few MiB, not a multiple of the piece length

let server: AppServer
test.beforeAll(async () => {
  server = await startAppServer({ args: ['--log-level', 'warn'] })
})
test.afterAll(async () => {
  await server?.stop()
})

/**
 * A page on the tracker's origin with the WebTorrent bundle importable at /__e2e/webtorrent.min.js.
 * The document itself comes from the real server (/healthz): Chromium's local-network-access checks
 * block a routed (fulfilled) document from opening a WebSocket to loopback.
 */
async function webtorrentPage(context: BrowserContext): Promise<Page> {
  await context.route(`${server.url}/__e2e/webtorrent.min.js`, route => route.fulfill({ body: bundle, contentType: 'text/javascript' }))
  const page = await context.newPage()
  page.on('pageerror', err => console.log('[page error]', err.message))
  await page.goto(`${server.url}/healthz`)
  await page.evaluate(async () => {
    const mod = (await import('/__e2e/webtorrent.min.js' as string)) as { default: new (opts: unknown) => unknown }
    // Loopback needs no STUN (see shared/machine-notes.md); no DHT/LSD in a browser anyway.
    ;(window as unknown as { wt: unknown }).wt = new mod.default({ tracker: { rtcConfig: { iceServers: [] } } })
  })
  return page
}

test('a WebTorrent seeder and a WebTorrent leecher exchange a file through our tracker', async ({ browser }) => {
  const data = randomBytes(SIZE)
  const announce = `ws://127.0.0.1:${server.port}/announce`
  const seederContext = await browser.newContext()
  const leecherContext = await browser.newContext()
  try {
    const seeder = await webtorrentPage(seederContext)
    const leecher = await webtorrentPage(leecherContext)

    const magnet = await seeder.evaluate(async ({ b64, announce }) => {
      const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0))
      const client = (window as unknown as { wt: { seed: (f: File, o: unknown, cb: (t: { magnetURI: string }) => void) => void } }).wt
      return new Promise<string>(resolve => client.seed(new File([bytes], 'random.bin'), { announce: [announce] }, t => resolve(t.magnetURI)))
    }, { b64: data.toString('base64'), announce })
    expect(magnet).toContain(encodeURIComponent(announce))

    const received = await leecher.evaluate(async ({ magnet, announce }) => {
      type File = { arrayBuffer: () => Promise<ArrayBuffer> }
      type Torrent = { done: boolean; files: File[]; on: (e: string, f: () => void) => void }
      const client = (window as unknown as { wt: { add: (m: string, o: unknown, cb: (t: Torrent) => void) => void } }).wt
      const torrent = await new Promise<Torrent>(resolve => client.add(magnet, { announce: [announce] }, resolve))
      if (!torrent.done) await new Promise<void>(resolve => torrent.on('done', resolve))
      const bytes = new Uint8Array(await (torrent.files[0] as File).arrayBuffer())
      let s = ''
      for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
      return btoa(s)
    }, { magnet, announce })

    const got = Buffer.from(received, 'base64')
    expect(got.length).toBe(SIZE)
    expect(createHash('sha256').update(got).digest('hex')).toBe(createHash('sha256').update(data).digest('hex'))

    const stats = (await (await fetch(`${server.url}/stats`)).json()) as { totals: Record<string, number> }
    expect(stats.totals.offersRelayed).toBeGreaterThan(0)
    expect(stats.totals.answersRelayed).toBeGreaterThan(0)
    expect(stats.totals.failures).toBe(0)
  } finally {
    await seederContext.close()
    await leecherContext.close()
  }
})
