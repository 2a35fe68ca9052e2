import { expect, type Browser, type BrowserContext, type Locator, type Page } from '@playwright/test'
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'

// The product's page as a person uses it, for e2e/app-*.spec.ts: one browser context per person (its
// own OPFS and IndexedDB), found by role and label.

export interface AppPage {
  context: BrowserContext
  page: Page
}

export async function openApp(browser: Browser, url: string, options: { colorScheme?: 'light' | 'dark'; viewport?: { width: number; height: number } } = {}): Promise<AppPage> {
  const context = await browser.newContext({ acceptDownloads: true, ...options })
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(url).origin })
  // Headless Chromium cannot answer the save pickers: remove them so Save takes the download path,
  // which streams the disk-backed OPFS file (the path browsers without the pickers take).
  await context.addInitScript(() => {
    delete (window as { showSaveFilePicker?: unknown }).showSaveFilePicker
    delete (window as { showDirectoryPicker?: unknown }).showDirectoryPicker
  })
  const page = await context.newPage()
  await page.goto(url)
  await expect(page.locator('main')).toHaveAttribute('data-ready', 'true', { timeout: 20_000 })
  return { context, page }
}

/** The list row of a torrent, by its name. */
export function row(page: Page, name: string): Locator {
  return page.getByRole('listitem', { name, exact: true })
}

/** The open detail dialog of a torrent. */
export function details(page: Page, name: string): Locator {
  return page.getByRole('dialog', { name, exact: true })
}

/** A drop of files onto the page, as the browser delivers it (a DataTransfer with File items). */
export async function dropFiles(page: Page, files: { name: string; bytes: Uint8Array; type?: string }[]): Promise<void> {
  await page.evaluate(async (list) => {
    const dt = new DataTransfer()
    for (const f of list) dt.items.add(new File([new Uint8Array(f.bytes)], f.name, { type: f.type ?? '' }))
    for (const type of ['dragenter', 'dragover', 'drop']) document.body.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }))
  }, files.map((f) => ({ name: f.name, bytes: [...f.bytes], type: f.type })))
}

/** Save a finished torrent's file from its list row (the download path): its name, length and SHA-256. */
export async function saveAndHash(page: Page, torrentRow: Locator): Promise<{ name: string; sha256: string; length: number }> {
  const [download] = await Promise.all([page.waitForEvent('download'), torrentRow.getByTestId('save').click()])
  const saved = await readFile((await download.path())!)
  return { name: download.suggestedFilename(), sha256: createHash('sha256').update(saved).digest('hex'), length: saved.length }
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}
