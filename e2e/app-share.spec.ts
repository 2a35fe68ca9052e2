import { test, expect } from '@playwright/test'
import { createHash, randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { startAppServer, type AppServer } from './support/app-server.ts'
import { details, openApp, row } from './support/app-page.ts'

// The product as a person uses it: share a file from tab A through the page's own controls, copy the
// share link, open it in tab B (another browser context: its own OPFS and IndexedDB), watch the
// transfer in B's detail view (files, peers, piece map), save the result and compare bytes. Real
// tracker process, real WebRTC between the two contexts.

let server: AppServer
test.beforeAll(async () => {
  server = await startAppServer()
})
test.afterAll(async () => {
  await server?.stop()
})

test('a 32 MiB file shared from one tab arrives intact in another through the share link, watched in the detail view', async ({ browser }) => {
  test.setTimeout(180_000)
  const content = randomBytes(32 * 1024 * 1024 + 12_345) // 32 MiB and a ragged last piece
  const a = await openApp(browser, server.url + '/')
  await a.page.getByLabel('Share files…').setInputFiles({ name: 'holiday.bin', mimeType: 'application/octet-stream', buffer: content })

  // The link at once: the details open on it, with a copy button.
  const shared = details(a.page, 'holiday.bin')
  await expect(shared).toBeVisible({ timeout: 60_000 })
  await shared.getByRole('button', { name: 'Copy link of holiday.bin' }).click()
  await expect(shared.getByRole('status').filter({ hasText: 'Link copied' })).toBeVisible()
  const link = await a.page.evaluate(() => navigator.clipboard.readText())
  expect(link).toBe(await shared.getByLabel('Share link of holiday.bin', { exact: true }).inputValue())
  expect(link).toMatch(new RegExp(`^${server.url}/#magnet:\\?xt=urn:btih:[0-9a-f]{40}`))
  expect(decodeURIComponent(link)).toContain(`ws://127.0.0.1:${server.port}/announce`)
  await expect(shared.getByTestId('detail-status')).toHaveText('Seeding')
  await shared.getByRole('button', { name: 'Close holiday.bin' }).click()
  await expect(row(a.page, 'holiday.bin')).toHaveAttribute('data-status', 'seeding')

  const b = await openApp(browser, link)
  const fetched = row(b.page, 'holiday.bin')
  await expect(fetched).toHaveAttribute('data-infohash', (await row(a.page, 'holiday.bin').getAttribute('data-infohash'))!)
  // The fragment is consumed: a reload must not add the torrent twice.
  expect(new URL(b.page.url()).hash).toBe('')

  // Watch the transfer: the file, a peer (A, named by its client) and the piece map filling up.
  await fetched.getByRole('button', { name: 'Details and sharing of holiday.bin' }).click()
  const watching = details(b.page, 'holiday.bin')
  await expect(watching.getByRole('table', { name: 'Files of holiday.bin' }).getByRole('row', { name: /holiday\.bin/ })).toBeVisible({ timeout: 60_000 })
  const map = watching.getByTestId('piece-map')
  await expect(map).toHaveAttribute('data-total', /^\d+$/)
  const total = Number(await map.getAttribute('data-total'))
  await expect(watching.getByRole('table', { name: 'Peers of holiday.bin' }).getByRole('cell', { name: /^swarmdrop/ })).toBeVisible({ timeout: 60_000 })
  await expect.poll(async () => Number(await map.getAttribute('data-verified')), { timeout: 90_000 }).toBeGreaterThan(0)
  await expect(map).toHaveAttribute('data-verified', String(total), { timeout: 120_000 })
  await expect(watching.getByTestId('detail-status')).toHaveText('Seeding')
  await expect(watching.getByRole('progressbar', { name: 'Progress of holiday.bin' })).toHaveAttribute('aria-valuenow', '100')

  const [download] = await Promise.all([b.page.waitForEvent('download'), watching.getByRole('button', { name: 'Save holiday.bin', exact: true }).click()])
  expect(download.suggestedFilename()).toBe('holiday.bin')
  const saved = await readFile((await download.path())!)
  expect(saved.length).toBe(content.length)
  expect(createHash('sha256').update(saved).digest('hex')).toBe(createHash('sha256').update(content).digest('hex'))
  await a.context.close()
  await b.context.close()
})
