import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { test, type Browser } from '@playwright/test'
import { buildHarness } from './build.ts'
import { openPeer, type HarnessPeer } from './pages.ts'
import { startOurTracker } from './servers.ts'

// The setup shared by the SwarmClient specs: our tracker process serving the harness page and
// /config.json, one browser context per peer (closed after each test), and helpers to seed a file
// and to save a finished one. Call `useClientSwarm()` once at a spec's top level.

type Client = InstanceType<typeof window.swarmdropHarness.swarmClient.SwarmClient>

export function useClientSwarm() {
  let tracker: Awaited<ReturnType<typeof startOurTracker>>
  const contexts: HarnessPeer[] = []

  async function startTracker(port = 0): Promise<void> {
    tracker = await startOurTracker(port, ['--web-root', await buildHarness(), '--log-level', 'warn'])
  }

  test.beforeAll(() => startTracker())
  test.afterEach(async () => {
    for (const c of contexts.splice(0)) await c.context.close()
  })
  test.afterAll(async () => {
    await tracker?.close()
  })

  async function peerAt(browser: Browser, url: string): Promise<HarnessPeer> {
    const p = await openPeer(browser, url)
    contexts.push(p)
    return p
  }

  /** Seed `mib` MiB from a dropped file in a new context: returns the peer, share link, hash and SHA-256. */
  async function seeder(browser: Browser, mib: number, seed: number, metaVersion: 1 | 2 | 'hybrid' = 1) {
    const a = await peerAt(browser, tracker.httpUrl)
    const r = await a.page.evaluate(
      async ({ mib, seed, metaVersion }) => {
        const h = window.swarmdropHarness
        const client = await h.clientHelpers.startClient()
        const file = h.clientHelpers.makeFile('drop.bin', mib * 1024 * 1024, seed)
        const sha = await h.clientHelpers.sha256Hex(file)
        const { infoHashHex, link } = await client.seed([{ path: ['drop.bin'], file }], undefined, metaVersion)
        // The share link comes before the copy into OPFS: these specs want a seeder that has it all stored.
        await h.clientHelpers.waitStored(infoHashHex)
        return { infoHashHex, link, sha }
      },
      { mib, seed, metaVersion },
    )
    return { a, ...r }
  }

  /** Save the (single) file of a finished torrent as a download and return its SHA-256, hashed in Node. */
  async function savedSha256(p: HarnessPeer, hex: string): Promise<string> {
    const [download] = await Promise.all([
      p.page.waitForEvent('download'),
      p.page.evaluate(async (hex) => {
        const h = window.swarmdropHarness
        const files = await (window.scratch['client'] as Client).files(hex)
        return h.save.saveFile(files[0]!.file, files[0]!.path.at(-1)!, {})
      }, hex),
    ])
    return createHash('sha256').update(await readFile((await download.path())!)).digest('hex')
  }

  /** Stop the tracker process (for restart tests); returns the port to start it on again. */
  async function stopTracker(): Promise<number> {
    const port = tracker.port
    await tracker.close()
    return port
  }

  return { tracker: () => tracker, startTracker, stopTracker, peerAt, seeder, savedSha256 }
}
