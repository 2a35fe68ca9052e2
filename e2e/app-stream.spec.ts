import { test, expect, type Browser, type BrowserContext, type Page } from '@playwright/test'
import { createHash } from 'node:crypto'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startAppServer, type AppServer } from './support/app-server.ts'
import { buildHarness } from './lib-harness/build.ts'
import { serveStatic, type Running } from './lib-harness/servers.ts'
import { openPeer } from './lib-harness/pages.ts'
import { fullSizes } from './media/files.ts'

// Play while downloading (issue 14), through the product's page: a WebM made in the test (WebCodecs
// VP8 + webm-muxer, in the harness page) is shared from tab A; tab B opens the link and presses Play
// at once. The stream service worker answers the <video>'s range requests as the engine fetches the
// pieces under them first (deadline picking): playback starts before 20% of the torrent is
// verified, a seek to 80% plays, and the bytes the stream serves equal the source.

let server: AppServer
let harness: Running
const dir = join(tmpdir(), `swarmdrop-stream-${process.pid}`)
test.beforeAll(async () => {
  server = await startAppServer()
  harness = await serveStatic(await buildHarness())
  mkdirSync(dir, { recursive: true })
})
test.afterAll(async () => {
  await server?.stop()
  await harness?.close()
  rmSync(dir, { recursive: true, force: true })
})

async function openApp(browser: Browser, url: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext()
  const page = await context.newPage()
  page.on('pageerror', (err) => console.error(`[page error] ${err.message}`))
  await page.goto(url)
  await expect(page.locator('main')).toHaveAttribute('data-ready', 'true', { timeout: 15_000 })
  return { context, page }
}

test('a WebM plays before 20% is verified, seeks to 80%, and the streamed bytes equal the source', async ({ browser }) => {
  test.setTimeout(240_000)
  // The video: noise frames so the encoder cannot make it small. Default ~24 MiB; full: ~64 MiB.
  const maker = await openPeer(browser, harness.url)
  const seconds = fullSizes ? 90 : 40
  const b64 = await maker.page.evaluate(async (seconds) => {
    const bytes = await window.swarmdropHarness.webmMaker.makeWebm({ seconds, width: 480, height: 270, fps: 30, bitrate: 7_000_000 })
    let s = ''
    for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
    return btoa(s)
  }, seconds)
  await maker.context.close()
  const video = Buffer.from(b64, 'base64')
  const path = join(dir, 'clip.webm')
  writeFileSync(path, video)
  const sha = createHash('sha256').update(video).digest('hex')
  console.log(`[stream] made a ${seconds} s WebM of ${(video.length / 2 ** 20).toFixed(1)} MiB`)

  const a = await openApp(browser, server.url + '/')
  await a.page.getByTestId('share-files').setInputFiles(path)
  const link = await a.page.getByTestId('share-link').inputValue({ timeout: 60_000 })

  const b = await openApp(browser, link)
  const row = b.page.getByTestId('torrent')
  // Record, in the page, how much was verified when the video first played.
  await b.page.evaluate(() => {
    const w = window as unknown as { firstPlay: { verified: number; t: number } | null }
    w.firstPlay = null
    document.addEventListener(
      'playing',
      () => {
        const bar = document.querySelector('[data-testid=torrent] [role=progressbar]')
        w.firstPlay ??= { verified: Number(bar?.getAttribute('aria-valuenow')), t: performance.now() }
      },
      true,
    )
  })
  const opened = Date.now()
  await row.getByTestId('preview-open').click({ timeout: 60_000 })
  const player = b.page.getByTestId('player')
  await b.page.waitForFunction(() => (window as unknown as { firstPlay: unknown }).firstPlay !== null, undefined, { timeout: 90_000 })
  const first = await b.page.evaluate(() => (window as unknown as { firstPlay: { verified: number } }).firstPlay)
  console.log(`[stream] playing ${Date.now() - opened} ms after Play, with ${first.verified}% verified`)
  expect(first.verified).toBeLessThan(20)
  await b.page.waitForFunction(() => (document.querySelector('[data-testid=player]') as HTMLVideoElement).currentTime > 0.5, undefined, { timeout: 30_000 })

  // Seek to 80%: it plays from there (the deadline moved).
  const seekAt = Date.now()
  const target = await player.evaluate((v: HTMLVideoElement) => {
    v.currentTime = v.duration * 0.8
    return v.currentTime
  })
  await b.page.waitForFunction((t) => (document.querySelector('[data-testid=player]') as HTMLVideoElement).currentTime > t + 0.5, target, { timeout: 60_000 })
  console.log(`[stream] seek to ${target.toFixed(1)} s played after ${Date.now() - seekAt} ms`)

  // The bytes the stream serves are the source's: the whole file, and a range (206).
  const hex = (await row.getAttribute('data-infohash'))!
  const served = await b.page.evaluate(async (hex) => {
    const whole = new Uint8Array(await (await fetch(`/stream/${hex}/0`)).arrayBuffer())
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', whole))
    const r = await fetch(`/stream/${hex}/0`, { headers: { range: 'bytes=1000-1999' } })
    return { sha: [...digest].map((x) => x.toString(16).padStart(2, '0')).join(''), status: r.status, range: r.headers.get('content-range'), slice: [...new Uint8Array(await r.arrayBuffer())] }
  }, hex)
  expect(served.sha).toBe(sha)
  expect(served.status).toBe(206)
  expect(served.range).toBe(`bytes 1000-1999/${video.length}`)
  expect(Buffer.from(served.slice).equals(video.subarray(1000, 2000))).toBe(true)
  await a.context.close()
  await b.context.close()
})
