import { expect, test } from '@playwright/test'
import { buildHarness } from './lib-harness/build.ts'
import { openPeer, type HarnessPeer } from './lib-harness/pages.ts'
import { serveStatic, startBittorrentTracker, startOurTracker, type Running } from './lib-harness/servers.ts'

// web/lib/tracker-client.ts + tracker-socket.ts + peer-pool.ts in real Chromium against real trackers
// running in this Node process (bittorrent-tracker 11) or as a child process (ours, tracker/main.ts).

let site: Running
const HASH1 = '11'.repeat(20)
const HASH2 = '22'.repeat(20)
const opened: HarnessPeer[] = []

test.beforeAll(async () => {
  site = await serveStatic(await buildHarness())
})
test.afterEach(async () => {
  for (const p of opened.splice(0)) await p.context.close()
})
test.afterAll(async () => {
  await site?.close()
})

async function peer(browser: Parameters<typeof openPeer>[0]): Promise<HarnessPeer> {
  const p = await openPeer(browser, site.url)
  await p.page.evaluate(() => (window.scratch['peer'] = new window.swarmdropHarness.trackerPeer.TrackerPeer()))
  opened.push(p)
  return p
}

type TP = InstanceType<typeof window.swarmdropHarness.trackerPeer.TrackerPeer>
const join = (p: HarnessPeer, hash: string, trackers: string[], left = 1000) =>
  p.page.evaluate(({ hash, trackers, left }) => void (window.scratch['peer'] as TP).join(hash, trackers, left), { hash, trackers, left })
const waitForPeers = (p: HarnessPeer, n: number) => p.page.evaluate((n) => (window.scratch['peer'] as TP).waitForPeers(n), n)
const status = (p: HarnessPeer, hash: string) => p.page.evaluate((hash) => (window.scratch['peer'] as TP).status(hash), hash)

/** Two contexts meet through `trackerUrl` and exchange text over the data channel both ways. */
async function meetAndTalk(browser: Parameters<typeof openPeer>[0], trackerUrl: string): Promise<void> {
  const a = await peer(browser)
  const b = await peer(browser)
  await join(a, HASH1, [trackerUrl], 0) // A seeds
  await expect.poll(() => status(a, HASH1).then((s) => s[0]?.state)).toBe('ok')
  await join(b, HASH1, [trackerUrl]) // B's offers reach A through the tracker; A answers
  expect(await waitForPeers(b, 1)).toBe(1)
  expect(await waitForPeers(a, 1)).toBe(1)
  // Each side learned the other's peer id from the tracker messages (binary strings, latin1).
  const [idA, seenByB] = await Promise.all([
    a.page.evaluate(() => (window.scratch['peer'] as TP).peerId),
    b.page.evaluate(() => (window.scratch['peer'] as TP).opened[0]!.remotePeerId),
  ])
  expect(seenByB).toBe(idA)
  await a.page.evaluate(() => (window.scratch['peer'] as TP).sendToAll('from A'))
  await b.page.evaluate(() => (window.scratch['peer'] as TP).sendToAll('from B'))
  await expect.poll(() => b.page.evaluate(() => (window.scratch['peer'] as TP).opened[0]!.received)).toBe('from A')
  await expect.poll(() => a.page.evaluate(() => (window.scratch['peer'] as TP).opened[0]!.received)).toBe('from B')
  const s = await status(b, HASH1)
  expect(s[0]).toMatchObject({ url: trackerUrl, state: 'ok', error: null })
  expect(s[0]!.announces).toBeGreaterThanOrEqual(1)
}

test('two contexts find each other through bittorrent-tracker and open a data channel', async ({ browser }) => {
  const tracker = await startBittorrentTracker({ intervalMs: 150_000 })
  try {
    await meetAndTalk(browser, tracker.url)
    // The tracker's interval (150 s / 5 for WebSocket clients = 30 s, not our default 120 s) was adopted.
    const p = opened[0]!
    expect((await status(p, HASH1))[0]!.intervalS).toBe(30)
  } finally {
    await tracker.close()
  }
})

test('two contexts find each other through our tracker (tracker/main.ts) and open a data channel', async ({ browser }) => {
  const tracker = await startOurTracker()
  try {
    await meetAndTalk(browser, tracker.url)
  } finally {
    await tracker.close()
  }
})

test('torrents share one socket per tracker URL; several trackers are all announced to', async ({ browser }) => {
  const t1 = await startBittorrentTracker()
  const t2 = await startBittorrentTracker()
  try {
    const a = await peer(browser)
    await join(a, HASH1, [t1.url, t2.url])
    await join(a, HASH2, [t1.url, t2.url])
    await expect.poll(() => status(a, HASH2).then((s) => s.map((x) => x.state))).toEqual(['ok', 'ok'])
    await expect.poll(() => status(a, HASH1).then((s) => s.map((x) => x.state))).toEqual(['ok', 'ok'])
    expect(await a.page.evaluate(() => (window.scratch['peer'] as TP).sockets.size)).toBe(2)
    expect([t1.connections.total, t2.connections.total]).toEqual([1, 1])
  } finally {
    await t1.close()
    await t2.close()
  }
})

test('announces started, then periodically at the interval, then completed and stopped', async ({ browser }) => {
  test.setTimeout(60_000)
  // 50 s / 5 = a 10 s interval for WebSocket clients: the shortest we accept (TRACKER_CLIENT_LIMITS).
  const tracker = await startBittorrentTracker({ intervalMs: 50_000 })
  try {
    const a = await peer(browser)
    await join(a, HASH1, [tracker.url])
    await expect.poll(() => tracker.events.join(' ')).toBe('start')
    await expect.poll(() => tracker.events.join(' '), { timeout: 15_000 }).toBe('start update')
    await a.page.evaluate((hash) => (window.scratch['peer'] as TP).clients.get(hash)!.complete(), HASH1)
    await expect.poll(() => tracker.events.join(' ')).toBe('start update complete')
    await a.page.evaluate((hash) => (window.scratch['peer'] as TP).clients.get(hash)!.stop(), HASH1)
    await expect.poll(() => tracker.events.join(' ')).toBe('start update complete stop')
    expect((await status(a, HASH1))[0]!.state).toBe('stopped')
  } finally {
    await tracker.close()
  }
})

test("a tracker's failure reason is surfaced in the status", async ({ browser }) => {
  const tracker = await startBittorrentTracker({
    filter: (infoHash, _params, cb) => cb(infoHash === HASH2 ? new Error('torrent not allowed here') : null),
  })
  try {
    const a = await peer(browser)
    await join(a, HASH2, [tracker.url])
    await expect.poll(() => status(a, HASH2).then((s) => s[0])).toMatchObject({ state: 'failed', error: 'torrent not allowed here' })
  } finally {
    await tracker.close()
  }
})

test('after the tracker restarts, clients reconnect, announce again and new connections form', async ({ browser }) => {
  let tracker = await startBittorrentTracker()
  const port = tracker.port
  try {
    const a = await peer(browser)
    const b = await peer(browser)
    await join(a, HASH1, [tracker.url], 0)
    await expect.poll(() => status(a, HASH1).then((s) => s[0]?.state)).toBe('ok')
    await join(b, HASH1, [tracker.url])
    expect(await waitForPeers(b, 1)).toBe(1)

    await tracker.close()
    await expect.poll(() => status(a, HASH1).then((s) => s[0]?.state)).toBe('disconnected')
    tracker = await startBittorrentTracker({ port })
    // Both reconnect (backoff starts at 0.5-1 s) and announce `started` again: the new tracker knows them.
    for (const p of [a, b]) {
      await expect.poll(() => status(p, HASH1).then((s) => s[0]?.state), { timeout: 15_000 }).toBe('ok')
      expect(await p.page.evaluate(() => (window.scratch['peer'] as TP).sockets.sockets()[0]!.opens)).toBe(2)
    }
    // B drops its peer and asks for more: the restarted tracker relays B's new offers to A.
    await b.page.evaluate((hash) => {
      const p = window.scratch['peer'] as TP
      p.peers.closeTorrent(p.clients.get(hash)!.infoHash)
      p.clients.get(hash)!.update()
    }, HASH1)
    expect(await waitForPeers(b, 2)).toBe(2)
  } finally {
    await tracker.close()
  }
})
