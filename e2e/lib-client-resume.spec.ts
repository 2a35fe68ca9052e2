import { readFile } from 'node:fs/promises'
import { expect, test } from '@playwright/test'
import { useClientSwarm } from './lib-harness/client-swarm.ts'
import type { HarnessPeer } from './lib-harness/pages.ts'

// web/lib/swarm-client.ts across reloads and a tracker restart (first transfers: lib-client.spec.ts): the engine in the page with WebRTC peers through our tracker
// process (which also serves the harness page and /config.json), OPFS storage and the library.

const { peerAt, seeder, savedSha256, tracker, startTracker, stopTracker } = useClientSwarm()

type Client = InstanceType<typeof window.swarmdropHarness.swarmClient.SwarmClient>

test('reload B mid-download: it resumes, fetches no verified piece again, completes with identical bytes', async ({ browser }) => {
  test.setTimeout(120_000)
  const { infoHashHex, link, sha } = await seeder(browser, 32, 11)
  const b = await peerAt(browser, link)
  const before = await b.page.evaluate(async () => {
    const h = window.swarmdropHarness
    const client = await h.clientHelpers.startClient()
    const hex = await client.addMagnet(h.shareLink.magnetFromFragment(location.hash)!)
    // Wait for a quarter of the pieces, then report what we have.
    for (;;) {
      const v = client.views()[0]!
      if (v.pieceCount && v.verifiedPieces >= v.pieceCount / 4) return { hex, verified: v.verifiedPieces, pieceCount: v.pieceCount }
      await new Promise((r) => setTimeout(r, 50))
    }
  })
  expect(before.hex).toBe(infoHashHex)
  // A reload (the fragment is still in the URL, but the library already has the torrent).
  await b.page.reload()
  await b.page.waitForFunction(() => document.title === 'harness ready')
  const after = await b.page.evaluate(async (hex) => {
    const h = window.swarmdropHarness
    const client = await h.clientHelpers.startClient() // resumeAll: no user action
    const resumedWith = client.views()[0]!.verifiedPieces
    await h.clientHelpers.waitDone(hex, 90_000)
    const v = client.views()[0]!
    return { resumedWith, fetched: v.fetchedThisSession, pieceCount: v.pieceCount, names: client.views().map((x) => x.infoHashHex) }
  }, infoHashHex)
  console.log(`[client e2e] reload: ${before.verified} pieces verified before, ${after.resumedWith} after resume, ${after.fetched} fetched after, of ${after.pieceCount}`)
  expect(after.names).toEqual([infoHashHex])
  // Pieces verified before the reload survived it (the pagehide flush saved the last debounced bitfield)...
  expect(after.resumedWith).toBeGreaterThanOrEqual(before.verified)
  // ...and none of them was fetched again: this session fetched exactly the rest.
  expect(after.fetched).toBe(after.pieceCount! - after.resumedWith)
  expect(await savedSha256(b, infoHashHex)).toBe(sha)
})

test('reload the seeder: it seeds again by itself, and a new peer downloads from it', async ({ browser }) => {
  test.setTimeout(120_000)
  const { a, infoHashHex, link, sha } = await seeder(browser, 8, 23)
  await a.page.reload()
  await a.page.waitForFunction(() => document.title === 'harness ready')
  const resumed = await a.page.evaluate(async () => {
    const client = await window.swarmdropHarness.clientHelpers.startClient()
    const v = client.views()[0]!
    return { done: v.done, state: v.state, verified: v.verifiedPieces, pieceCount: v.pieceCount }
  })
  expect(resumed).toMatchObject({ done: true, state: 'seeding' })
  expect(resumed.verified).toBe(resumed.pieceCount)
  const b = await peerAt(browser, link)
  await b.page.evaluate(async () => {
    const h = window.swarmdropHarness
    const client = await h.clientHelpers.startClient()
    await h.clientHelpers.waitDone(await client.addMagnet(h.shareLink.magnetFromFragment(location.hash)!), 60_000)
  })
  expect(await savedSha256(b, infoHashHex)).toBe(sha)
})

test('the tracker restarts in the middle of a transfer: peers reconnect, the transfer completes, newcomers still find the swarm', async ({ browser }) => {
  test.setTimeout(120_000)
  const { a, infoHashHex, link, sha } = await seeder(browser, 16, 41)
  const b = await peerAt(browser, link)
  await b.page.evaluate(async () => {
    const h = window.swarmdropHarness
    const client = await h.clientHelpers.startClient()
    await client.addMagnet(h.shareLink.magnetFromFragment(location.hash)!)
    for (;;) {
      const v = client.views()[0]!
      if (v.pieceCount && v.verifiedPieces >= v.pieceCount / 5) return
      await new Promise((r) => setTimeout(r, 50))
    }
  })
  const port = await stopTracker()
  const downState = (p: HarnessPeer) => p.page.evaluate(() => (window.scratch['client'] as Client).views()[0]!.trackers.find((t) => t.url.startsWith('ws://127.0.0.1'))?.state)
  await expect.poll(() => downState(b)).toBe('disconnected')
  await startTracker(port)
  await b.page.evaluate((hex) => window.swarmdropHarness.clientHelpers.waitDone(hex, 90_000), infoHashHex)
  expect(await savedSha256(b, infoHashHex)).toBe(sha)
  // Both announced again to the restarted tracker...
  for (const p of [a, b]) await expect.poll(() => downState(p), { timeout: 20_000 }).toBe('ok')
  // ...so a newcomer still finds the swarm through it.
  const c = await peerAt(browser, link)
  await c.page.evaluate(async () => {
    const h = window.swarmdropHarness
    const client = await h.clientHelpers.startClient()
    await h.clientHelpers.waitDone(await client.addMagnet(h.shareLink.magnetFromFragment(location.hash)!), 60_000)
  })
  expect(await savedSha256(c, infoHashHex)).toBe(sha)
})

test('pause stops the exchange and keeps the data; resume completes with identical bytes', async ({ browser }) => {
  test.setTimeout(90_000)
  const { infoHashHex, link, sha } = await seeder(browser, 16, 53)
  const b = await peerAt(browser, link)
  const paused = await b.page.evaluate(async () => {
    const h = window.swarmdropHarness
    const client = await h.clientHelpers.startClient()
    const hex = await client.addMagnet(h.shareLink.magnetFromFragment(location.hash)!)
    for (;;) {
      const v = client.views()[0]!
      if (v.pieceCount && v.verifiedPieces >= v.pieceCount / 4) break
      await new Promise((r) => setTimeout(r, 50))
    }
    await client.pause(hex)
    const connectionsRightAfter = client.peers.connectionCount()
    await new Promise((r) => setTimeout(r, 1500))
    const v = client.views()[0]!
    return { state: v.state, peers: v.peers, connectionsRightAfter, stored: (await client.library.get(hex))!.state, progressShown: v.verifiedPieces > 0 && v.pieceCount !== null }
  })
  expect(paused).toEqual({ state: 'paused', peers: 0, connectionsRightAfter: 0, stored: 'paused', progressShown: true })
  const resumed = await b.page.evaluate(async (hex) => {
    const h = window.swarmdropHarness
    const client = window.scratch['client'] as Client
    await client.resume(hex)
    const resumedWith = client.views()[0]!.verifiedPieces
    await h.clientHelpers.waitDone(hex, 60_000)
    const v = client.views()[0]!
    // The library learns of 'done' in the event handler, a moment after the engine: wait for it.
    for (let i = 0; i < 100 && (await client.library.get(hex))!.state !== 'seeding'; i++) await new Promise((r) => setTimeout(r, 50))
    return { resumedWith, fetched: v.fetchedThisSession, pieceCount: v.pieceCount!, state: (await client.library.get(hex))!.state }
  }, infoHashHex)
  expect(resumed.resumedWith).toBeGreaterThan(0)
  expect(resumed.fetched).toBe(resumed.pieceCount - resumed.resumedWith)
  expect(resumed.state).toBe('seeding')
  expect(await savedSha256(b, infoHashHex)).toBe(sha)
})
