import type { Browser, BrowserContext, Page } from '@playwright/test'
// For its `declare global`: window.swarmdropHarness and window.scratch inside page.evaluate.
import type {} from '../../web/harness/harness.ts'

// One browser context per peer (separate storage), each with the harness page loaded.

export interface HarnessPeer {
  context: BrowserContext
  page: Page
}

/** `prepare` runs on the new context before its page opens (init scripts, bindings, routes). */
export async function openPeer(browser: Browser, url: string, prepare?: (context: BrowserContext) => Promise<void>): Promise<HarnessPeer> {
  const context = await browser.newContext()
  await prepare?.(context)
  return { context, page: await openHarness(context, url) }
}

/** The harness page in a context (a persistent one's first page, or a new one), loaded and ready. */
export async function openHarness(context: BrowserContext, url: string): Promise<Page> {
  const page = context.pages()[0] ?? (await context.newPage())
  page.on('pageerror', (err) => console.error(`[page error] ${err.message}`))
  await page.goto(url)
  await page.waitForFunction(() => document.title === 'harness ready')
  return page
}
