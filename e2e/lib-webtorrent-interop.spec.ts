import { expect, test, type Browser } from '@playwright/test'
import { buildHarness } from './lib-harness/build.ts'
import { openPeer, type HarnessPeer } from './lib-harness/pages.ts'
import { startOurTracker } from './lib-harness/servers.ts'
import { webTorrentDownload, webTorrentSeed } from './lib-harness/webtorrent-page.ts'

// Our browser client and WebTorrent 3's browser bundle (node_modules/webtorrent/dist/webtorrent.min.js)
// in two contexts, through our tracker: each downloads what the other seeds, by magnet (so the info
// dict goes over BEP 9 too), and the bytes must be identical.


let tracker: Awaited<ReturnType<typeof startOurTracker>>
const contexts: HarnessPeer[] = []

test.beforeAll(async () => {
  tracker = await startOurTracker(0, ['--web-root', await buildHarness(), '--log-level', 'warn'])
})
test.afterEach(async () => {
  for (const c of contexts.splice(0)) await c.context.close()
})
test.afterAll(async () => {
  await tracker?.close()
})

async function peer(browser: Browser): Promise<HarnessPeer> {
  const p = await openPeer(browser, tracker.httpUrl)
  contexts.push(p)
  return p
}

type Client = InstanceType<typeof window.swarmdropHarness.swarmClient.SwarmClient>
const MIB = 6

test('our client downloads what a WebTorrent browser peer seeds', async ({ browser }) => {
  test.setTimeout(90_000)
  const wt = await peer(browser)
  const seeded = await webTorrentSeed(wt.page, tracker.url, 'from-webtorrent.bin', MIB * 1024 * 1024, 61)
  const ours = await peer(browser)
  const got = await ours.page.evaluate(async (magnet) => {
    const h = window.swarmdropHarness
    const client = await h.clientHelpers.startClient()
    const hex = await client.addMagnet(h.shareLink.parseTorrentInput(magnet))
    await h.clientHelpers.waitDone(hex, 60_000)
    const files = await (window.scratch['client'] as Client).files(hex)
    return { name: files[0]!.path.join('/'), sha: await h.clientHelpers.sha256Hex(files[0]!.file) }
  }, seeded.magnet)
  expect(got).toEqual({ name: 'from-webtorrent.bin', sha: seeded.sha })
})

test('a WebTorrent browser peer downloads what our client seeds', async ({ browser }) => {
  test.setTimeout(90_000)
  const ours = await peer(browser)
  const seeded = await ours.page.evaluate(async (mib) => {
    const h = window.swarmdropHarness
    const client = await h.clientHelpers.startClient()
    const file = h.clientHelpers.makeFile('from-swarmdrop.bin', mib * 1024 * 1024, 67)
    const sha = await h.clientHelpers.sha256Hex(file)
    const { link } = await client.seed([{ path: ['from-swarmdrop.bin'], file }], undefined, 'hybrid')
    const magnet = new URL(link).hash.slice(1) // the share link's fragment is the magnet URI
    return { magnet, sha, trackers: h.shareLink.magnetFromFragment(magnet)!.trackers }
  }, MIB)
  expect(seeded.trackers).toEqual([tracker.url])
  // A hybrid of ours (BEP 52): WebTorrent, which knows no v2, joins through its v1 half.
  expect(seeded.magnet).toMatch(/xt=urn:btmh:1220/)
  const wt = await peer(browser)
  const got = await webTorrentDownload(wt.page, seeded.magnet)
  expect(got).toEqual({ name: 'from-swarmdrop.bin', sha: seeded.sha })
})
