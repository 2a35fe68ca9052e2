import { test, expect, type Page } from '@playwright/test'
import { randomBytes } from 'node:crypto'
import { startAppServer, type AppServer } from './support/app-server.ts'
import { details, openApp, row } from './support/app-page.ts'

// Controlling torrents from the page: pause and resume (one and all), remove with undo, remove with
// and without the stored data, and settings that survive a reload. One browser context; what
// "stored data" means is checked through the page's own storage panel.

let server: AppServer
test.beforeAll(async () => {
  server = await startAppServer()
})
test.afterAll(async () => {
  await server?.stop()
})

async function share(page: Page, name: string): Promise<void> {
  await page.getByLabel('Share files…').setInputFiles({ name, mimeType: 'application/octet-stream', buffer: randomBytes(40_000) })
  const d = details(page, name)
  await expect(d).toBeVisible({ timeout: 30_000 })
  await d.getByRole('button', { name: `Close ${name}` }).click()
  await expect(row(page, name)).toHaveAttribute('data-status', 'seeding')
}

async function storageText(page: Page): Promise<string> {
  await page.getByRole('button', { name: 'Settings' }).click()
  const settings = page.getByRole('dialog', { name: 'Settings' })
  const text = (await settings.getByTestId('site-storage').textContent({ timeout: 10_000 })) ?? ''
  await settings.getByRole('button', { name: 'Close Settings' }).click()
  return text
}

test('pause and resume one and all, remove with undo, with and without data', async ({ browser }) => {
  test.setTimeout(90_000)
  const { context, page } = await openApp(browser, server.url + '/')
  await share(page, 'first.bin')
  await share(page, 'second.bin')
  const first = row(page, 'first.bin')
  const second = row(page, 'second.bin')

  await first.getByRole('button', { name: 'Pause first.bin' }).click()
  await expect(first.getByTestId('torrent-status')).toHaveText('Paused')
  await expect(second.getByTestId('torrent-status')).toHaveText('Seeding')
  await expect(page.getByTestId('announcer')).toHaveText('first.bin: Paused')
  await first.getByRole('button', { name: 'Resume first.bin' }).click()
  await expect(first.getByTestId('torrent-status')).toHaveText('Seeding')

  await page.getByRole('button', { name: 'Pause all' }).click()
  await expect(first.getByTestId('torrent-status')).toHaveText('Paused')
  await expect(second.getByTestId('torrent-status')).toHaveText('Paused')
  await page.getByLabel('Show').selectOption('paused')
  await expect(page.getByTestId('torrent')).toHaveCount(2)
  await page.getByLabel('Show').selectOption('seeding')
  await expect(page.getByTestId('torrent')).toHaveCount(0)
  await page.getByLabel('Show').selectOption('all')
  await page.getByRole('button', { name: 'Resume all' }).click()
  await expect(first.getByTestId('torrent-status')).toHaveText('Seeding')
  await expect(second.getByTestId('torrent-status')).toHaveText('Seeding')
  await expect(page.getByTestId('totals')).toContainText('2 torrents')

  // Re-check reads every stored piece back; a limit of its own is kept with the torrent.
  await first.getByRole('button', { name: 'Details and sharing of first.bin' }).click()
  const d = details(page, 'first.bin')
  await d.getByRole('button', { name: 'Re-check data of first.bin' }).click()
  await expect(page.getByRole('status').filter({ hasText: /^Checked first\.bin: (\d+) of \1 pieces are good\./ })).toBeVisible({ timeout: 20_000 })
  await expect(d.getByTestId('detail-status')).toHaveText('Seeding')
  await d.getByLabel('Upload limit of first.bin (KiB/s)').fill('fast')
  await d.getByRole('button', { name: 'Set limits of first.bin' }).click()
  await expect(d.getByRole('alert')).toHaveText('A limit is a number of KiB/s, or empty for none.')
  await d.getByLabel('Upload limit of first.bin (KiB/s)').fill('50')
  await d.getByRole('button', { name: 'Set limits of first.bin' }).click()
  await expect(d.getByTestId('torrent-limits')).toHaveText('Now: down no limit, up 50 KiB/s')
  await d.getByRole('button', { name: 'Close first.bin' }).click()

  // Remove, then undo: it comes back as it was.
  await first.getByRole('button', { name: 'Remove first.bin' }).click()
  await page.getByRole('dialog', { name: 'Remove first.bin?' }).getByRole('button', { name: 'Remove with its data' }).click()
  await expect(first).toHaveCount(0)
  await page.getByRole('status').getByRole('button', { name: 'Undo' }).click()
  await expect(first.getByTestId('torrent-status')).toHaveText('Seeding')

  // Remove with its data: gone after the undo time, and after a reload; nothing left in storage.
  await first.getByRole('button', { name: 'Remove first.bin' }).click()
  await page.getByRole('dialog', { name: 'Remove first.bin?' }).getByRole('button', { name: 'Remove with its data' }).click()
  await expect(page.getByRole('status').filter({ hasText: 'Removed first.bin and its data.' })).toBeVisible()
  await expect(page.getByRole('status').getByRole('button', { name: 'Undo' })).toHaveCount(0, { timeout: 15_000 })
  await page.reload()
  await expect(page.locator('main')).toHaveAttribute('data-ready', 'true')
  await expect(second).toBeVisible()
  await expect(first).toHaveCount(0)
  expect(await storageText(page)).not.toContain('removed torrent')

  // Remove keeping the data: the storage panel counts it, and frees it on request.
  await second.getByRole('button', { name: 'Remove second.bin' }).click()
  await page.getByRole('dialog', { name: 'Remove second.bin?' }).getByRole('button', { name: 'Remove, keep the data' }).click()
  await expect(page.getByRole('status').getByRole('button', { name: 'Undo' })).toHaveCount(0, { timeout: 15_000 })
  await expect(page.getByText('Nothing here yet.')).toBeVisible()
  expect(await storageText(page)).toContain('The data of 1 removed torrent is still kept.')
  await page.getByRole('button', { name: 'Settings' }).click()
  const settings = page.getByRole('dialog', { name: 'Settings' })
  await settings.getByRole('button', { name: 'Free the data of removed torrents' }).click()
  await expect(page.getByRole('status').filter({ hasText: 'Freed the data of 1 removed torrent.' })).toBeVisible()
  await expect(settings.getByTestId('site-storage')).not.toContainText('removed torrent')
  await context.close()
})

test('settings are kept across a reload, and bad ones are refused with the reason', async ({ browser }) => {
  const { context, page } = await openApp(browser, server.url + '/')
  await page.getByRole('button', { name: 'Settings' }).click()
  let settings = page.getByRole('dialog', { name: 'Settings' })
  const own = `ws://127.0.0.1:${server.port}/announce`
  await settings.getByLabel(/^Trackers new torrents announce to/).fill(`${own}\nudp://tracker.example:1337`)
  await settings.getByRole('button', { name: 'Save settings' }).click()
  await expect(settings.getByRole('alert')).toHaveText('Not a WebSocket tracker (ws:// or wss://): udp://tracker.example:1337')
  await settings.getByLabel(/^Trackers new torrents announce to/).fill(`${own}\nwss://tracker.example/announce`)
  await settings.getByLabel(/^ICE servers/).fill('stun:stun.example:3478\nturn:turn.example:3478 alice secret')
  await settings.getByLabel('Peers per torrent').fill('20')
  await settings.getByLabel('Peers in total').fill('60')
  await settings.getByLabel('Download limit, all torrents (KiB/s)').fill('2048')
  await settings.getByLabel('Upload limit, all torrents (KiB/s)').fill('512')
  await settings.getByLabel('Keep seeding torrents once they are downloaded').uncheck()
  await expect(settings.getByLabel('v1 — every client')).toBeChecked() // the default
  await settings.getByLabel('hybrid — v1 and v2 clients').check()
  await settings.getByRole('button', { name: 'Save settings' }).click()
  await expect(settings).toHaveCount(0)
  await expect(page.getByRole('status').filter({ hasText: 'Settings saved.' })).toBeVisible()
  // The page's tracker status follows the new list.
  await expect(page.getByTestId('tracker-status')).toContainText('wss://tracker.example/announce')

  await page.reload()
  await expect(page.locator('main')).toHaveAttribute('data-ready', 'true')
  await page.getByRole('button', { name: 'Settings' }).click()
  settings = page.getByRole('dialog', { name: 'Settings' })
  await expect(settings.getByLabel(/^Trackers new torrents announce to/)).toHaveValue(`${own}\nwss://tracker.example/announce`)
  await expect(settings.getByLabel(/^ICE servers/)).toHaveValue('stun:stun.example:3478\nturn:turn.example:3478 alice secret')
  await expect(settings.getByLabel('Peers per torrent')).toHaveValue('20')
  await expect(settings.getByLabel('Peers in total')).toHaveValue('60')
  await expect(settings.getByLabel('Download limit, all torrents (KiB/s)')).toHaveValue('2048')
  await expect(settings.getByLabel('Upload limit, all torrents (KiB/s)')).toHaveValue('512')
  await expect(settings.getByLabel('Keep seeding torrents once they are downloaded')).not.toBeChecked()
  await expect(settings.getByLabel('hybrid — v1 and v2 clients')).toBeChecked()
  await context.close()
})

test('the share format setting is honoured: v1, hybrid and v2-only links and details (BEP 52), the reason for the default shown', async ({ browser }) => {
  test.setTimeout(90_000)
  const { context, page } = await openApp(browser, server.url + '/')
  /** Share a file; its link, and the format and v2 info hash its details show. */
  const linkOf = async (name: string, format: string): Promise<{ link: string; v2: string | null }> => {
    await page.getByLabel('Share files…').setInputFiles({ name, mimeType: 'application/octet-stream', buffer: randomBytes(40_000) })
    const d = details(page, name)
    await expect(d).toBeVisible({ timeout: 30_000 })
    const link = await d.getByLabel(`Share link of ${name}`, { exact: true }).inputValue()
    await expect(d.getByTestId('meta-version')).toHaveText(format)
    const v2 = (await d.getByTestId('info-hash-v2').count()) > 0 ? await d.getByTestId('info-hash-v2').textContent() : null
    await d.getByRole('button', { name: `Close ${name}` }).click()
    return { link: decodeURIComponent(link), v2 }
  }
  const shareAs = async (label: string): Promise<void> => {
    await page.getByRole('button', { name: 'Settings', exact: true }).click()
    const settings = page.getByRole('dialog', { name: 'Settings' })
    const formats = settings.getByRole('group', { name: 'Share new files as' })
    await expect(formats).toHaveAccessibleDescription(/aria2 1\.36 computes a wrong info hash, Transmission 3 refuses the file/)
    await formats.getByLabel(label).check()
    await settings.getByRole('button', { name: 'Save settings' }).click()
    await expect(settings).toHaveCount(0)
  }
  const btih = /xt=urn:btih:[0-9a-f]{40}/
  const btmh = /xt=urn:btmh:1220[0-9a-f]{64}/
  const v1 = await linkOf('plain.bin', 'v1')
  expect(v1.link).toMatch(btih)
  expect(v1.link).not.toMatch(btmh)
  expect(v1.v2).toBeNull()
  await shareAs('hybrid — v1 and v2 clients')
  const hybrid = await linkOf('hybrid.bin', 'hybrid')
  expect(hybrid.link).toMatch(btih)
  expect(hybrid.link).toContain(`xt=urn:btmh:1220${hybrid.v2}`)
  await shareAs('v2 only — v2 clients')
  const v2 = await linkOf('v2.bin', 'v2 only')
  expect(v2.link).not.toMatch(btih)
  expect(v2.link).toContain(`xt=urn:btmh:1220${v2.v2}`)
  // The v2-only torrent's swarm id is its v2 info hash truncated (BEP 52).
  expect(v2.v2!.slice(0, 40)).toBe(await row(page, 'v2.bin').getAttribute('data-infohash'))
  await context.close()
})
