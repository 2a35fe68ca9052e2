import { expect, test, type Browser } from '@playwright/test'
import { randomBytes } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cli, type Proc } from '../node/interop/processes.ts'
import { buildHarness } from './lib-harness/build.ts'
import { openPeer, type HarnessPeer } from './lib-harness/pages.ts'
import { startOurTracker } from './lib-harness/servers.ts'
import { webTorrentDownload, webTorrentSeed } from './lib-harness/webtorrent-page.ts'
import { sha256 } from './support/app-page.ts'

// The Node peer (the CLI, WebRTC through @roamhq/wrtc) and WebTorrent 3's Node-free browser bundle
// (node_modules/webtorrent/dist/webtorrent.min.js) in a Chromium tab exchange a file through our
// tracker, each way, by magnet (the info dict goes over BEP 9 too).

const SIZE = 3 * 1024 * 1024 + 77
let tracker: Awaited<ReturnType<typeof startOurTracker>>
let root: string
const contexts: HarnessPeer[] = []
const procs: Proc[] = []

test.beforeAll(async () => {
  tracker = await startOurTracker(0, ['--web-root', await buildHarness(), '--log-level', 'warn'])
  root = await mkdtemp(join(tmpdir(), 'swarmdrop-node-peer-wt-'))
})
test.afterEach(async () => {
  for (const c of contexts.splice(0)) await c.context.close()
  await Promise.all(procs.splice(0).map((p) => p.kill('SIGKILL')))
})
test.afterAll(async () => {
  await tracker?.close()
  await rm(root, { recursive: true, force: true })
})

async function page(browser: Browser): Promise<HarnessPeer> {
  const p = await openPeer(browser, tracker.httpUrl)
  contexts.push(p)
  return p
}

test('WebTorrent in a tab downloads what the Node peer seeds', async ({ browser }) => {
  test.setTimeout(120_000)
  const data = randomBytes(SIZE)
  await writeFile(join(root, 'from-node.bin'), data)
  const seed = cli('seed', join(root, 'from-node.bin'), '--tracker', tracker.url, '--json', '--port', '0')
  procs.push(seed)
  const seeding = await seed.waitFor((l) => l['type'] === 'seeding')
  const magnet = new URL(seeding['link'] as string).hash.slice(1)
  const wt = await page(browser)
  const got = await webTorrentDownload(wt.page, magnet)
  expect(got).toEqual({ name: 'from-node.bin', sha: sha256(data) })
})

test('the Node peer downloads what WebTorrent in a tab seeds', async ({ browser }) => {
  test.setTimeout(120_000)
  const wt = await page(browser)
  const seeded = await webTorrentSeed(wt.page, tracker.url, 'from-webtorrent.bin', SIZE, 83)
  const out = join(root, 'out')
  const dl = cli('download', seeded.magnet, '-o', out, '--json', '--port', '0')
  procs.push(dl)
  const code = await Promise.race([dl.exited, new Promise<number>((r) => setTimeout(() => r(-1), 90_000))])
  expect(code, dl.output).toBe(0)
  expect(sha256(await readFile(join(out, 'from-webtorrent.bin')))).toBe(seeded.sha)
  expect(dl.json.find((l) => l['type'] === 'metadata')).toMatchObject({ name: 'from-webtorrent.bin' })
})
