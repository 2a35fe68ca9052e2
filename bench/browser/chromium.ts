import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type Browser } from '@playwright/test'
import config, { chromiumPath } from '../../playwright.config.ts'
import { openHarness, type HarnessPeer } from '../../e2e/lib-harness/pages.ts'
import { RELAY_CHROMIUM_ARGS, routeThroughRelay, type StandInProvider } from '../network/page-rewrite.ts'

// Every peer of the benchmark runs its own headless Chromium (Debian's, the flags of
// playwright.config.ts) with its own profile on disk, as two users would: OPFS is a real file
// system (a context of a shared browser is off the record, and its OPFS is memory behind IPC to the
// browser process, which is not what users run), and each peer's CPU is its whole browser's
// (proc-cpu.ts). Host candidates are real addresses rather than mDNS names, so peers in different
// browsers find each other without multicast and the network relay (bench/network) can stand in
// for them.

const ARGS = [...(config.use?.launchOptions?.args ?? []), ...RELAY_CHROMIUM_ARGS]

export interface BenchPeer extends HarnessPeer {
  browser: Browser
  profileDir: string
}

/**
 * A peer on the harness page in a browser of its own, its WebRTC through `network` (a relay) when given.
 * tsx (esbuild keepNames) wraps functions inside page.evaluate bodies in __name(): give the page a no-op one.
 */
export async function benchPeer(url: string, network?: StandInProvider): Promise<BenchPeer> {
  const profileDir = mkdtempSync(join(tmpdir(), 'swarmdrop-bench-peer-'))
  const context = await chromium.launchPersistentContext(profileDir, { executablePath: chromiumPath, headless: true, args: ARGS })
  try {
    if (network) await routeThroughRelay(context, network)
    const page = await openHarness(context, url)
    await page.evaluate('window.__name = (f) => f')
    const browser = context.browser()
    if (!browser) throw new Error('no browser behind the persistent context')
    return { context, page, browser, profileDir }
  } catch (err) {
    await context.close().catch(() => {})
    rmSync(profileDir, { recursive: true, force: true })
    throw err
  }
}

export async function closePeers(peers: BenchPeer[]): Promise<void> {
  await Promise.all(
    peers.map(async (p) => {
      await p.context.close().catch(() => {})
      rmSync(p.profileDir, { recursive: true, force: true })
    }),
  )
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
