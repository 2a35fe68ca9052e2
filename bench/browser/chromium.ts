import { chromium, type Browser } from '@playwright/test'
import config, { chromiumPath } from '../../playwright.config.ts'
import { openPeer, type HarnessPeer } from '../../e2e/lib-harness/pages.ts'

// One headless Chromium for the whole benchmark, launched exactly as the e2e tests launch it
// (playwright.config.ts: Debian's Chromium, flags that keep it off the closed network). Every peer
// is its own browser context (separate storage), as in e2e/lib-harness/pages.ts.

export async function launchChromium(): Promise<Browser> {
  const args = config.use?.launchOptions?.args ?? []
  return chromium.launch({ executablePath: chromiumPath, headless: true, args })
}

/** A peer on the harness page. tsx (esbuild keepNames) wraps functions inside page.evaluate bodies in __name(): give the page a no-op one. */
export async function benchPeer(browser: Browser, url: string): Promise<HarnessPeer> {
  const peer = await openPeer(browser, url)
  await peer.page.evaluate('window.__name = (f) => f')
  return peer
}

export async function closePeers(peers: HarnessPeer[]): Promise<void> {
  await Promise.all(peers.map((p) => p.context.close().catch(() => {})))
}

export class TimeoutError extends Error {
  override name = 'TimeoutError'
}

/** `work` or a TimeoutError after `ms`: every wait of the benchmark is bounded (a stuck run reports and the next one runs). */
export function bounded<T>(label: string, ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, fail) => {
    timer = setTimeout(() => fail(new TimeoutError(`${label}: no result within ${(ms / 1000).toFixed(0)} s`)), ms)
  })
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer))
}
