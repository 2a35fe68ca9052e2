import { test, expect, type Browser, type BrowserContext, type Page } from '@playwright/test'
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { startAppServer, type AppServer } from './support/app-server.ts'
import { fullSizes, randomFile } from './media/files.ts'

// Share link first, copy after (issue 14), through the product's own page: a dropped file is hashed in
// workers straight from the File, the link appears while the copy into OPFS is still running, peers
// download from the File meanwhile, and once copied the torrent survives a reload. Real tracker
// process, real WebRTC, real OPFS. Sizes: SWARMDROP_FULL_SIZES=1 gives the 1 GiB; by default
// 64 MiB (the transfer is what costs: a few MB/s tab to tab on this machine).

let server: AppServer
test.beforeAll(async () => {
  server = await startAppServer()
})
test.afterAll(async () => {
  await server?.stop()
})

async function openApp(browser: Browser, url: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ acceptDownloads: true })
  await context.addInitScript(() => {
    delete (window as { showSaveFilePicker?: unknown }).showSaveFilePicker
    delete (window as { showDirectoryPicker?: unknown }).showDirectoryPicker
  })
  const page = await context.newPage()
  page.on('dialog', (d) => void d.accept())
  await page.goto(url)
  await expect(page.locator('main')).toHaveAttribute('data-ready', 'true', { timeout: 15_000 })
  return { context, page }
}

/** At the first frame the share link is on screen: is the copy task there, and how far is it? */
async function stateWhenLinkAppears(page: Page) {
  const handle = await page.waitForFunction(
    () => {
      const link = document.querySelector<HTMLInputElement>('[data-testid=share-link]')
      if (!link) return false
      const copy = document.querySelector<HTMLElement>('[data-testid=task][data-kind=copying]')
      return { link: link.value, copying: copy !== null, done: Number(copy?.dataset['done'] ?? -1), total: Number(copy?.dataset['total'] ?? -1), at: performance.now() }
    },
    undefined,
    { polling: 'raf', timeout: 120_000 },
  )
  return (await handle.jsonValue()) as { link: string; copying: boolean; done: number; total: number; at: number }
}

async function savedSha(page: Page): Promise<string> {
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('torrent').getByTestId('save').click()])
  return createHash('sha256').update(await readFile((await download.path())!)).digest('hex')
}

test('the share link appears while the copy runs; a peer downloads meanwhile; after the copy a reload keeps seeding', async ({ browser }) => {
  const mib = fullSizes ? 1024 : 64
  test.setTimeout(fullSizes ? 900_000 : 180_000)
  const file = randomFile('share-first.bin', mib, 4321)
  const a = await openApp(browser, server.url + '/')
  const dropped = await a.page.evaluate(() => performance.now())
  await a.page.getByTestId('share-files').setInputFiles(file.path)
  const seen = await stateWhenLinkAppears(a.page)
  console.log(`[share-first] ${mib} MiB: link ${Math.round(seen.at - dropped)} ms after the drop (setInputFiles included); copy at ${seen.done} of ${seen.total} bytes`)
  expect(seen.link).toMatch(/#magnet:\?xt=urn:btih:[0-9a-f]{40}/)
  expect(seen.copying).toBe(true)
  expect(seen.done).toBeLessThan(seen.total)

  // A second context opens the link at once: it fetches pieces the seeder reads from the File.
  const b = await openApp(browser, seen.link)
  const fetched = b.page.getByTestId('torrent')
  await expect(fetched).toHaveAttribute('data-status', 'downloading', { timeout: 60_000 })
  const copying = await a.page.locator('[data-testid=task][data-kind=copying]').count()
  console.log(`[share-first] leecher started; seeder copy still running: ${copying > 0}`)
  if (fullSizes) expect(copying).toBe(1) // 1 GiB: the copy takes far longer than the leecher's start
  await expect(fetched).toHaveAttribute('data-status', 'seeding', { timeout: fullSizes ? 800_000 : 120_000 })
  expect(await savedSha(b.page)).toBe(file.sha256)

  // The copy ends; a reload brings the torrent back from OPFS, complete, nothing asked of the user.
  const seeded = a.page.getByTestId('torrent')
  await expect(a.page.locator('[data-testid=task][data-kind=copying]')).toHaveCount(0, { timeout: 120_000 })
  await a.page.reload()
  await expect(a.page.locator('main')).toHaveAttribute('data-ready', 'true', { timeout: 15_000 })
  await expect(seeded).toHaveAttribute('data-status', 'seeding', { timeout: 30_000 })
  await expect(seeded.getByTestId('torrent-progress')).toContainText('100%')
  await expect(seeded.getByTestId('torrent-notice')).toHaveCount(0)
  expect(await savedSha(a.page)).toBe(file.sha256) // read back from OPFS: the copy is whole
  await a.context.close()
  await b.context.close()
})
