import { expect, test } from '@playwright/test'
import { buildHarness } from './lib-harness/build.ts'
import { connectPools, transfer } from './lib-harness/channel-pair.ts'
import { openPeer, type HarnessPeer } from './lib-harness/pages.ts'
import { serveStatic, type Running } from './lib-harness/servers.ts'

// web/lib/webrtc-transport.ts and peer-pool.ts in real Chromium: two contexts, real WebRTC.
// Signalling goes through the test (no tracker) so only the transport is under test here.

let site: Running
let a: HarnessPeer
let b: HarnessPeer
const HASH = 'H'.repeat(20)

test.beforeAll(async ({ browser }) => {
  site = await serveStatic(await buildHarness())
  a = await openPeer(browser, site.url)
  b = await openPeer(browser, site.url)
})

test.afterAll(async () => {
  await a?.context.close()
  await b?.context.close()
  await site?.close()
})

test('a PeerPool pair connects and streams bytes both ways intact, with back-pressure', async () => {
  await connectPools(a, b)
  const total = 8 * 1024 * 1024
  await b.page.evaluate(async (total) => {
    window.scratch['received'] = window.swarmdropHarness.transportBench.receiveAll((await window.scratch['transport']) as never, total)
  }, total)
  const sendA = await a.page.evaluate(async (total) => {
    const h = window.swarmdropHarness
    const t = (await window.scratch['transport']) as InstanceType<typeof h.webrtcTransport.DataChannelTransport>
    // Count how often write() asks us to wait, and the largest queue we ever saw.
    let refusals = 0
    let maxQueued = 0
    const write = t.write.bind(t)
    t.write = (bytes) => {
      const ok = write(bytes)
      maxQueued = Math.max(maxQueued, t.bufferedAmount)
      if (!ok) refusals++
      return ok
    }
    await h.transportBench.sendAll(t, total)
    return { refusals, maxQueued, hwm: h.webrtcTransport.DATA_CHANNEL_LIMITS.highWaterMark }
  }, total)
  const got = await b.page.evaluate(() => window.scratch['received'] as Promise<{ ms: number; intact: boolean }>)
  expect(got.intact).toBe(true)
  expect(sendA.refusals).toBeGreaterThan(0)
  // The queue never grows past the high-water mark plus one 64 KiB write.
  expect(sendA.maxQueued).toBeLessThanOrEqual(sendA.hwm + 64 * 1024)

  // And back the other way, then close from B: A sees onClose.
  expect((await transfer(b, a, total)).intact).toBe(true)
  const closedA = a.page.evaluate(async () => {
    const t = (await window.scratch['transport']) as { onClose: ((r?: string) => void) | null }
    return new Promise<string>((ok) => (t.onClose = (r) => ok(r ?? '')))
  })
  await b.page.evaluate(async () => ((await window.scratch['transport']) as { close(): void }).close())
  expect(typeof (await closedA)).toBe('string')
})

test('the pool declines offers beyond its per-torrent cap and destroys unanswered offers after the timeout', async () => {
  const result = await a.page.evaluate(async (hash) => {
    const h = window.swarmdropHarness
    // 2 s: ample for ICE gathering on loopback even on a loaded machine, short enough for a test.
    const pool = new h.peerPool.PeerPool({ limits: { maxPerTorrent: 2, offerTimeoutMs: 2000 } })
    const offers = await pool.makeOffers(hash, 5)
    const madeBeyondCap = offers.length
    const pendingBefore = pool.pendingOfferCount(hash)
    const other = new h.peerPool.PeerPool()
    const remote = await other.makeOffers(hash, 1)
    // The cap is full of pending offers: a relayed offer for the same torrent is declined.
    const declined = await pool.answerOffer(hash, 'X'.repeat(20), remote[0]!.offerId, remote[0]!.offer)
    let waited = 0
    while (pool.pendingOfferCount(hash) > 0 && waited < 8000) {
      await new Promise((r) => setTimeout(r, 100))
      waited += 100
    }
    const pendingAfter = pool.pendingOfferCount(hash)
    pool.destroy()
    other.destroy()
    return { madeBeyondCap, pendingBefore, declined, pendingAfter }
  }, HASH)
  // Offers stay until the timeout (pendingBefore), then all of them go.
  expect(result).toEqual({ madeBeyondCap: 2, pendingBefore: 2, declined: null, pendingAfter: 0 })
})
