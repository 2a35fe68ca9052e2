import { test, expect, type Browser, type BrowserContext, type Page } from '@playwright/test'
import { createHash, randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { startAppServer, type AppServer } from './support/app-server.ts'

// The product as a person uses it: share a file from tab A through the page's own controls, open the
// share link in tab B (another browser context: its own OPFS and IndexedDB), save the result and
// compare bytes. Real tracker process, real WebRTC between the two contexts.

let server: AppServer
test.beforeAll(async () => {
  server = await startAppServer()
})
test.afterAll(async () => {
  await server?.stop()
})

async function openApp(browser: Browser, url: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ acceptDownloads: true })
  // Headless Chromium cannot answer the save picker: remove it so Save takes the download path,
  // which streams the disk-backed OPFS file (the path browsers without the picker take).
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

test('a 32 MiB file shared from one tab arrives intact in another through the share link', async ({ browser }) => {
  test.setTimeout(180_000)
  const content = randomBytes(32 * 1024 * 1024 + 12_345) // 32 MiB and a ragged last piece
  const a = await openApp(browser, server.url + '/')
  await a.page.getByTestId('share-files').setInputFiles({ name: 'holiday.bin', mimeType: 'application/octet-stream', buffer: content })
  const seeded = a.page.getByTestId('torrent')
  await expect(seeded).toHaveAttribute('data-status', 'seeding', { timeout: 60_000 })
  await expect(seeded.locator('.name')).toHaveText('holiday.bin')
  const link = await seeded.getByTestId('share-link').inputValue()
  expect(link).toMatch(new RegExp(`^${server.url}/#magnet:\\?xt=urn:btih:[0-9a-f]{40}`))
  expect(decodeURIComponent(link)).toContain(`ws://127.0.0.1:${server.port}/announce`)

  const b = await openApp(browser, link)
  const fetched = b.page.getByTestId('torrent')
  await expect(fetched).toHaveAttribute('data-infohash', (await seeded.getAttribute('data-infohash'))!)
  await expect(fetched).toHaveAttribute('data-status', 'seeding', { timeout: 90_000 })
  await expect(fetched.getByTestId('torrent-progress')).toContainText('100%')
  // The fragment is consumed: a reload must not add the torrent twice.
  expect(new URL(b.page.url()).hash).toBe('')

  const [download] = await Promise.all([b.page.waitForEvent('download'), fetched.getByTestId('save').click()])
  expect(download.suggestedFilename()).toBe('holiday.bin')
  const saved = await readFile((await download.path())!)
  expect(saved.length).toBe(content.length)
  expect(createHash('sha256').update(saved).digest('hex')).toBe(createHash('sha256').update(content).digest('hex'))
  await a.context.close()
  await b.context.close()
})

test('a pasted link that is not a torrent gets a clear error and adds nothing', async ({ browser }) => {
  const a = await openApp(browser, server.url + '/')
  await a.page.getByTestId('add-link').fill('magnet:?xt=urn:btih:not-a-hash')
  await a.page.getByRole('button', { name: 'Download' }).click()
  await expect(a.page.getByTestId('app-error')).toBeVisible()
  await expect(a.page.getByTestId('torrent')).toHaveCount(0)
  await a.context.close()
})
