import { test, expect } from '@playwright/test'
import { randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { startAppServer, type AppServer } from './support/app-server.ts'
import { details, dropFiles, openApp, row } from './support/app-page.ts'

// Several files: three picked at once become one torrent (named after the first), its .torrent is
// downloaded from the share panel, dropped on another tab, one file skipped there: that file is never
// fetched, the others arrive and save intact.

let server: AppServer
test.beforeAll(async () => {
  server = await startAppServer()
})
test.afterAll(async () => {
  await server?.stop()
})

test('three picked files share as one torrent; a dropped .torrent with one file skipped fetches only the others', async ({ browser }) => {
  test.setTimeout(120_000)
  // Sizes in whole 16 KiB pieces (the piece length createTorrent picks for small content), so no
  // piece holds bytes of two files and a skipped file shares no piece with a wanted one.
  const files = { 'one.bin': randomBytes(64 * 1024), 'three.bin': randomBytes(48 * 1024), 'two.bin': randomBytes(96 * 1024) }
  const name = 'one and 2 more'
  const a = await openApp(browser, server.url + '/')
  await a.page.getByLabel('Share files…').setInputFiles(Object.entries(files).map(([n, buffer]) => ({ name: n, mimeType: 'application/octet-stream', buffer })))
  const shared = details(a.page, name)
  await expect(shared).toBeVisible({ timeout: 30_000 })
  await expect(a.page.getByRole('alert')).toHaveCount(0)
  await expect(shared.getByTestId('piece-map')).toHaveAttribute('data-verified', String((64 + 48 + 96) / 16))

  const [download] = await Promise.all([a.page.waitForEvent('download'), shared.getByRole('button', { name: `Download .torrent of ${name}` }).click()])
  expect(download.suggestedFilename()).toBe(`${name}.torrent`)
  const torrent = await readFile((await download.path())!)
  // A waits while B chooses what it wants.
  await shared.getByRole('button', { name: `Pause ${name}` }).click()
  await expect(shared.getByTestId('detail-status')).toHaveText('Paused')
  await shared.getByRole('button', { name: `Close ${name}` }).click()

  const b = await openApp(browser, server.url + '/')
  await dropFiles(b.page, [{ name: `${name}.torrent`, bytes: torrent, type: 'application/x-bittorrent' }])
  const got = row(b.page, name)
  await expect(got).toHaveAttribute('data-status', /waiting|connecting/, { timeout: 20_000 })
  await got.getByRole('button', { name: `Details and sharing of ${name}` }).click()
  const watching = details(b.page, name)
  await watching.getByLabel('Priority of two.bin').selectOption('skip')
  await expect(watching.getByTestId('piece-map')).toHaveAccessibleName(/6 skipped/)

  await row(a.page, name).getByRole('button', { name: `Resume ${name}` }).click()
  await expect(watching.getByTestId('detail-status')).toHaveText('Seeding', { timeout: 60_000 })
  const progress = (file: string) => watching.getByRole('progressbar', { name: `Progress of the file ${file}` })
  await expect(progress('one.bin')).toHaveAttribute('aria-valuenow', '100')
  await expect(progress('three.bin')).toHaveAttribute('aria-valuenow', '100')
  await expect(progress('two.bin')).toHaveAttribute('aria-valuenow', '0')
  await expect(watching.getByTestId('piece-map')).toHaveAttribute('data-verified', String((64 + 48) / 16))
  await expect(watching.getByRole('button', { name: 'Save the file two.bin' })).toBeDisabled()
  // Time for stray requests to show: still nothing of the skipped file.
  await b.page.waitForTimeout(2_000)
  await expect(progress('two.bin')).toHaveAttribute('aria-valuenow', '0')

  const [saved] = await Promise.all([b.page.waitForEvent('download'), watching.getByRole('button', { name: 'Save the file three.bin' }).click()])
  expect(saved.suggestedFilename()).toBe('three.bin')
  expect(Buffer.compare(await readFile((await saved.path())!), files['three.bin'])).toBe(0)
  await a.context.close()
  await b.context.close()
})
