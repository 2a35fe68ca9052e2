import { test, expect, type Page } from '@playwright/test'
import AxeBuilder from '@axe-core/playwright'
import { randomBytes } from 'node:crypto'
import { startAppServer, type AppServer } from './support/app-server.ts'
import { details, openApp, row } from './support/app-page.ts'

// Every view of the page scanned by axe-core (no serious or critical violation) and photographed at
// phone and desktop size in light and dark mode. The screenshots are test artifacts, under
// test-results/ (this test's output folder), to look at after a run. Scans: every view at phone size in
// both modes (colours and the narrow layout are where problems hide) and at desktop size in light mode.

let server: AppServer
test.beforeAll(async () => {
  server = await startAppServer()
})
test.afterAll(async () => {
  await server?.stop()
})

const SIZES = { phone: { width: 390, height: 844 }, desktop: { width: 1280, height: 900 } } as const
const SCHEMES = ['light', 'dark'] as const

async function scan(page: Page, view: string): Promise<void> {
  const { violations } = await new AxeBuilder({ page }).analyze()
  const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
  expect(serious.map((v) => `${view}: ${v.id} (${v.impact}) ${v.help}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([])
}

test('each view has no serious accessibility violation, at phone and desktop size, light and dark', async ({ browser }, testInfo) => {
  test.setTimeout(300_000)
  const { context, page } = await openApp(browser, server.url + '/')
  const name = 'cover and 2 more'
  await page.getByLabel('Share files…').setInputFiles([
    { name: 'cover.png', mimeType: 'image/png', buffer: randomBytes(30_000) },
    { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello\n'.repeat(2000)) },
    { name: 'song.mp3', mimeType: 'audio/mpeg', buffer: randomBytes(50_000) },
  ])
  await expect(details(page, name)).toBeVisible({ timeout: 30_000 })
  await details(page, name).getByRole('button', { name: `Close ${name}` }).click()
  await page.getByLabel('Share link, magnet link or info hash').fill(`magnet:?xt=urn:btih:${randomBytes(20).toString('hex')}&dn=waiting.iso`)
  await page.getByRole('button', { name: 'Download' }).click()
  await expect(row(page, 'waiting.iso')).toBeVisible()

  const views: Record<string, { open: () => Promise<void>; close: () => Promise<void> }> = {
    list: { open: async () => {}, close: async () => {} },
    details: {
      open: async () => {
        await row(page, name).getByRole('button', { name: `Details and sharing of ${name}` }).click()
        await details(page, name).getByRole('button', { name: `QR code of ${name}` }).click()
        await expect(details(page, name).getByRole('img', { name: `QR code of the share link of ${name}` })).toBeVisible()
      },
      close: () => details(page, name).getByRole('button', { name: `Close ${name}` }).click(),
    },
    remove: {
      open: () => row(page, name).getByRole('button', { name: `Remove ${name}` }).click(),
      close: () => page.getByRole('dialog', { name: `Remove ${name}?` }).getByRole('button', { name: 'Cancel' }).click(),
    },
    settings: {
      open: async () => {
        await page.getByRole('button', { name: 'Settings' }).click()
        await expect(page.getByTestId('site-storage')).toBeVisible()
      },
      close: () => page.getByRole('dialog', { name: 'Settings' }).getByRole('button', { name: 'Cancel' }).click(),
    },
    preview: {
      open: async () => {
        await row(page, name).getByRole('button', { name: `Details and sharing of ${name}` }).click()
        await details(page, name).getByRole('button', { name: 'Preview the file notes.txt' }).click()
        await expect(page.getByRole('dialog', { name: 'notes.txt' })).toContainText('hello')
      },
      close: async () => {
        await page.getByRole('dialog', { name: 'notes.txt' }).getByRole('button', { name: 'Close notes.txt' }).click()
        await details(page, name).getByRole('button', { name: `Close ${name}` }).click()
      },
    },
  }

  for (const scheme of SCHEMES) {
    await page.emulateMedia({ colorScheme: scheme })
    for (const [size, viewport] of Object.entries(SIZES)) {
      await page.setViewportSize(viewport)
      for (const [view, { open, close }] of Object.entries(views)) {
        await open()
        if (size === 'phone' || scheme === 'light') await scan(page, `${view} ${size} ${scheme}`)
        await page.screenshot({ path: testInfo.outputPath(`${view}-${size}-${scheme}.png`), fullPage: true })
        await close()
        await expect(page.getByRole('dialog')).toHaveCount(0)
      }
    }
  }
  await context.close()
})

test('the page works from the keyboard alone: add a link, open details, close them, focus always visible', async ({ browser }) => {
  const { context, page } = await openApp(browser, server.url + '/')
  await page.getByLabel('Share link, magnet link or info hash').focus()
  await page.keyboard.type(`magnet:?xt=urn:btih:${randomBytes(20).toString('hex')}&dn=keyboard.iso`)
  await page.keyboard.press('Enter')
  const r = row(page, 'keyboard.iso')
  await expect(r).toBeVisible()
  // Tab to the torrent's details button and open it with Enter; Escape closes and focus comes back.
  const target = r.getByRole('button', { name: 'Details of keyboard.iso' })
  for (let i = 0; i < 30 && !(await target.evaluate((el) => el === document.activeElement)); i++) {
    await page.keyboard.press('Tab')
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle)
    expect(outline).not.toBe('none')
  }
  await expect(target).toBeFocused()
  await page.keyboard.press('Enter')
  await expect(details(page, 'keyboard.iso')).toBeVisible()
  await page.keyboard.press('Escape')
  await expect(page.getByRole('dialog')).toHaveCount(0)
  await expect(target).toBeFocused()
  await context.close()
})
