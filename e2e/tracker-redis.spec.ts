import { expect, test, type Browser, type BrowserContext } from '@playwright/test'
import config from '../playwright.config.ts'
import { RELAY_CHROMIUM_ARGS, routeThroughRelay } from '../bench/network/page-rewrite.ts'
import { startRelayProcess, type RelayHandle } from '../bench/network/relay-process.ts'
import { RedisServer } from '../tracker/test-support/redis-server.ts'
import { buildHarness } from './lib-harness/build.ts'
import { openPeer, type HarnessPeer } from './lib-harness/pages.ts'
import { startAppServer, type AppServer } from './support/app-server.ts'

// The tracker on several processes sharing swarms through one real redis-server (--redis): each
// browser context loads the harness page from its own tracker process, whose /config.json makes that
// process its only tracker, and magnets carry no tracker: peers on different processes can meet only
// through Redis. Then faults: the leecher's tracker process killed and Redis restarted while bytes
// move; what was under way completes, and a newcomer on a third process still finds the seeder.

// The fault test caps the peers' bandwidth through bench/network's relay (so that "mid-transfer" is
// a few seconds wide on any machine): Chromium must not hide host candidates behind mDNS names.
test.use({ launchOptions: { ...config.use?.launchOptions, args: [...(config.use?.launchOptions?.args ?? []), ...RELAY_CHROMIUM_ARGS] } })

type Client = InstanceType<typeof window.swarmdropHarness.swarmClient.SwarmClient>

let redis: RedisServer
let harness: string
let nodes: AppServer[] = []
let relay: RelayHandle | null = null
const contexts: HarnessPeer[] = []

test.beforeAll(async () => {
  redis = await RedisServer.start()
  harness = await buildHarness()
})
test.afterEach(async () => {
  for (const c of contexts.splice(0)) await c.context.close()
  await Promise.all(nodes.map((n) => n.stop()))
  nodes = []
  await relay?.close()
  relay = null
})
test.afterAll(async () => {
  await redis?.stop()
})

/** `count` tracker processes on the test's Redis, under a key prefix of their own. */
async function startNodes(count: number): Promise<AppServer[]> {
  const prefix = `e2e${Math.random().toString(36).slice(2, 8)}:`
  nodes = await Promise.all(Array.from({ length: count }, () => startAppServer({
    args: ['--redis', redis.url, '--redis-prefix', prefix, '--web-root', harness, '--log-level', 'warn', '--node-ttl', '2', '--redis-timeout', '1'],
    // Three processes starting at once on a loaded 2-core machine.
    startTimeoutMs: 60_000,
  })))
  return nodes
}

async function peerAt(browser: Browser, node: AppServer, prepare?: (c: BrowserContext) => Promise<void>): Promise<HarnessPeer> {
  const p = await openPeer(browser, `${node.url}/`, prepare)
  contexts.push(p)
  return p
}

/** Seed `mib` MiB from a dropped file (announced to the page's own tracker process only). */
async function seed(peer: HarnessPeer, mib: number, fileSeed: number): Promise<{ hex: string; sha: string }> {
  return peer.page.evaluate(async ({ mib, fileSeed }) => {
    const h = window.swarmdropHarness
    const client = await h.clientHelpers.startClient()
    const file = h.clientHelpers.makeFile('drop.bin', mib * 1024 * 1024, fileSeed)
    const sha = await h.clientHelpers.sha256Hex(file)
    const { infoHashHex } = await client.seed([{ path: ['drop.bin'], file }])
    await h.clientHelpers.waitStored(infoHashHex)
    return { hex: infoHashHex, sha }
  }, { mib, fileSeed })
}

/** Add the torrent by its bare info hash: the page's own tracker process is its only tracker. */
async function startDownload(peer: HarnessPeer, hex: string): Promise<void> {
  await peer.page.evaluate(async (hex) => {
    const h = window.swarmdropHarness
    const client = await h.clientHelpers.startClient()
    await client.addMagnet({ ...h.shareLink.magnetFromFragment(`#magnet:?xt=urn:btih:${hex}`)!, trackers: [] })
  }, hex)
}

/** Wait until done; the SHA-256 of the file as stored (OPFS), hashed in the page. */
async function finished(peer: HarnessPeer, hex: string): Promise<string> {
  return peer.page.evaluate(async (hex) => {
    const h = window.swarmdropHarness
    await h.clientHelpers.waitDone(hex, 90_000)
    const [file] = await (window.scratch['client'] as Client).files(hex)
    return h.clientHelpers.sha256Hex(file!.file)
  }, hex)
}

async function json(url: string): Promise<Record<string, any>> {
  return (await (await fetch(url, { signal: AbortSignal.timeout(5000) })).json()) as Record<string, any>
}

test('three tracker processes: a seeder on one, leechers on the two others complete with identical bytes; every process counts the same', async ({ browser }) => {
  test.setTimeout(120_000)
  const [a, b, c] = await startNodes(3)
  const seeder = await peerAt(browser, a!)
  const { hex, sha } = await seed(seeder, 3, 41)
  const leechers = [await peerAt(browser, b!), await peerAt(browser, c!)]
  await Promise.all(leechers.map((l) => startDownload(l, hex)))
  expect(await Promise.all(leechers.map((l) => finished(l, hex)))).toEqual([sha, sha])
  // Each leecher announced only to its own process, and saw the seeder and the other leecher anyway.
  for (const l of leechers) {
    const statuses = await l.page.evaluate((hex) => (window.scratch['client'] as Client).views().find((v) => v.infoHashHex === hex)!.trackers.map((t) => t.url), hex)
    expect(statuses).toHaveLength(1)
  }
  // Every process counts the same three peers, in /stats and in an HTTP scrape of the torrent.
  const infoHash = Buffer.from(hex, 'hex').toString('latin1')
  const escaped = [...infoHash].map((ch) => '%' + ch.charCodeAt(0).toString(16).padStart(2, '0')).join('')
  const views = await Promise.all(nodes.map(async (n) => {
    const s = await json(`${n.url}/stats`)
    const scrape = Buffer.from(await (await fetch(`${n.url}/scrape?info_hash=${escaped}`)).arrayBuffer()).toString('latin1')
    const counts = /8:completei(\d+)e10:downloadedi\d+e10:incompletei(\d+)e/.exec(scrape)
    return { stats: [s.torrents, s.peers, s.seeders, s.leechers], scrape: [Number(counts?.[1]), Number(counts?.[2])] }
  }))
  const [first] = views
  expect(first!.stats.slice(0, 2)).toEqual([1, 3])
  expect(first!.scrape).toEqual(first!.stats.slice(2))
  for (const v of views) expect(v).toEqual(first)
})

test('kill the leecher\'s tracker process and restart Redis while bytes move: the download completes, and a newcomer on a third process finds the seeder', async ({ browser }) => {
  test.setTimeout(150_000)
  // About 1.5 MB/s between the peers: the 6 MiB take seconds, whatever the machine.
  relay = await startRelayProcess({ delayMs: 5, jitterMs: 0, loss: 0, rateBytesPerSec: 1_500_000 }, 3)
  const viaRelay = (context: BrowserContext) => routeThroughRelay(context, relay!)
  const [a, b, c] = await startNodes(3)
  const seeder = await peerAt(browser, a!, viaRelay)
  const { hex, sha } = await seed(seeder, 6, 43)
  const leecher = await peerAt(browser, b!, viaRelay)
  await startDownload(leecher, hex)
  await leecher.page.waitForFunction((hex) => ((window.scratch['client'] as Client).views().find((v) => v.infoHashHex === hex)?.verifiedPieces ?? 0) > 0, hex, { timeout: 60_000 })

  b!.process.kill('SIGKILL')
  await redis.kill()
  const during = await leecher.page.evaluate((hex) => (window.scratch['client'] as Client).views().find((v) => v.infoHashHex === hex)!, hex)
  expect(during.done).toBe(false)
  await redis.run()
  expect(await finished(leecher, hex)).toBe(sha)

  // Redis came back empty: the live processes wrote their tables back (the seeder is a's).
  for (const n of [a!, c!]) await expect.poll(async () => (await json(`${n.url}/healthz`)).status, { timeout: 30_000 }).toBe('ok')
  const newcomer = await peerAt(browser, c!, viaRelay)
  await startDownload(newcomer, hex)
  expect(await finished(newcomer, hex)).toBe(sha)
})
