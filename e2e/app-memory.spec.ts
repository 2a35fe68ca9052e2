import { test, expect, chromium, type BrowserContext, type Page } from '@playwright/test'
import { createHash } from 'node:crypto'
import { createReadStream, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import config, { chromiumPath } from '../playwright.config.ts'
import { startAppServer, type AppServer } from './support/app-server.ts'
import { fullSizes, randomFile } from './media/files.ts'
import { browserAnonRssByKind } from './media/proc-memory.ts'
import { pageHeapBytes } from './media/page-heap.ts'

// @slow. Bounded memory for big downloads (issue 14): a transfer through the product's page, the
// leecher in a browser of its own with a persistent profile (an off-the-record context keeps OPFS in
// memory), its JS heap (CDP) and its whole browser's anonymous resident memory (/proc) sampled every
// second; the growth over the idle page is asserted under 150 MB. SWARMDROP_FULL_SIZES=1 moves the
// issue's 2 GiB; by default 192 MiB (a tab-to-tab transfer runs at a few MB/s here). Both ends run
// their own browsers with real IP host candidates (no mDNS between two browsers).

const GOAL_BYTES = 150e6
const ARGS = [...(config.use?.launchOptions?.args ?? []), '--disable-features=WebRtcHideLocalIpsWithMdns']

let server: AppServer
const dirs: string[] = []
test.beforeAll(async () => {
  server = await startAppServer()
})
test.afterAll(async () => {
  await server?.stop()
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

async function ownBrowser(url: string): Promise<{ context: BrowserContext; page: Page; profile: string }> {
  const profile = mkdtempSync(join(tmpdir(), 'swarmdrop-memory-'))
  dirs.push(profile)
  const context = await chromium.launchPersistentContext(profile, { executablePath: chromiumPath, headless: true, args: ARGS, acceptDownloads: true })
  // No save picker in headless Chromium: Save then takes the download path.
  await context.addInitScript(() => {
    delete (window as { showSaveFilePicker?: unknown }).showSaveFilePicker
    delete (window as { showDirectoryPicker?: unknown }).showDirectoryPicker
  })
  const page = context.pages()[0] ?? (await context.newPage())
  await page.goto(url)
  await expect(page.locator('main')).toHaveAttribute('data-ready', 'true', { timeout: 30_000 })
  return { context, page, profile }
}

test('@slow a big download stays in bounded memory in the leecher (JS heap and the browser\'s anonymous RSS)', async () => {
  const mib = fullSizes ? 2048 : 192
  test.setTimeout(fullSizes ? 1_800_000 : 240_000)
  const file = randomFile('memory.bin', mib)
  const a = await ownBrowser(server.url + '/')
  await a.page.getByTestId('share-files').setInputFiles(file.path)
  const link = await a.page.getByTestId('share-link').inputValue({ timeout: 120_000 })

  const b = await ownBrowser(server.url + '/')
  const cdp = await b.context.newCDPSession(b.page)
  const heap = () => pageHeapBytes(cdp)
  await cdp.send('HeapProfiler.collectGarbage')
  // By kind of process too (renderer, utility, gpu-process, browser): where a regression lives.
  const rss = () => {
    const byKind = browserAnonRssByKind(b.profile)
    return { byKind, total: Object.values(byKind).reduce((x, y) => x + y, 0) }
  }
  const first = rss()
  const base = { heap: await heap(), rss: first.total, byKind: first.byKind }
  const peak = { ...base }
  let sampling = true
  const sampler = (async () => {
    while (sampling) {
      peak.heap = Math.max(peak.heap, await heap().catch(() => 0))
      const now = rss()
      if (now.total > peak.rss) Object.assign(peak, { rss: now.total, byKind: now.byKind })
      await new Promise((r) => setTimeout(r, 500))
    }
  })()
  await b.page.goto(link)
  const row = b.page.getByTestId('torrent')
  await expect(row).toHaveAttribute('data-status', 'seeding', { timeout: fullSizes ? 1_700_000 : 220_000 })
  sampling = false
  await sampler
  const mb = (n: number) => (n / 1e6).toFixed(0)
  const kinds = Object.keys(peak.byKind).sort().map((k) => `${k} ${mb((peak.byKind[k] ?? 0) - (base.byKind[k] ?? 0))}`).join(', ')
  console.log(`[memory] ${mib} MiB: leecher JS heap ${mb(base.heap)} -> peak ${mb(peak.heap)} MB, browser anonymous RSS ${mb(base.rss)} -> peak ${mb(peak.rss)} MB (growth by kind at the peak: ${kinds})`)
  expect(base.rss).toBeGreaterThan(0) // /proc was read: the assertion below is not vacuous
  expect(peak.heap - base.heap).toBeLessThan(GOAL_BYTES)
  expect(peak.rss - base.rss).toBeLessThan(GOAL_BYTES)
  // The bytes arrived whole: saved as a download (streamed from OPFS) and hashed in Node. Above
  // LARGE_DOWNLOAD_BYTES (512 MiB: the full size) the app first asks whether to download without a
  // save dialog (confirm(), which Playwright would dismiss): accepted here.
  const warnings: string[] = []
  b.page.on('dialog', (d) => {
    warnings.push(d.message())
    void d.accept()
  })
  const [download] = await Promise.all([b.page.waitForEvent('download'), row.getByTestId('save').click()])
  expect(warnings.length).toBe(fullSizes ? 1 : 0)
  const hash = createHash('sha256')
  for await (const chunk of createReadStream((await download.path())!)) hash.update(chunk as Buffer)
  expect(hash.digest('hex')).toBe(file.sha256)
  await a.context.close()
  await b.context.close()
})
