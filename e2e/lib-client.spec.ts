import { readFile } from 'node:fs/promises'
import { expect, test } from '@playwright/test'
import { useClientSwarm } from './lib-harness/client-swarm.ts'

// web/lib/swarm-client.ts end to end (resume and restarts: lib-client-resume.spec.ts): the engine in the page with WebRTC peers through our tracker
// process (which also serves the harness page and /config.json), OPFS storage and the library.

const { peerAt, seeder, savedSha256, tracker } = useClientSwarm()

type Client = InstanceType<typeof window.swarmdropHarness.swarmClient.SwarmClient>

test('seed a 32 MiB hybrid (BEP 52) in A, open its share link in B: B completes over lanes, saves identical bytes, and fetched the piece layers from A', async ({ browser }) => {
  test.setTimeout(120_000)
  const { infoHashHex, link, sha } = await seeder(browser, 32, 7, 'hybrid')
  expect(link).toContain(`#magnet:?xt=urn:btih:${infoHashHex}`)
  // A hybrid's link names the v2 info hash too (BEP 52).
  expect(link).toMatch(/&xt=urn:btmh:1220[0-9a-f]{64}/)
  expect(link).toContain(encodeURIComponent(tracker().url))
  const b = await peerAt(browser, link)
  const started = Date.now()
  const got = await b.page.evaluate(async () => {
    const h = window.swarmdropHarness
    const client = await h.clientHelpers.startClient()
    // Lanes (webrtc/peer-pool.ts): A and B are both swarmdrop, so the dialler opens lanesPerPeer - 1
    // more connections to the same peer, each handed to the engine as a session of its own.
    let lanes = 0
    const onPeer = client.peers.onPeer!
    client.peers.onPeer = (...args) => {
      if (args[4]) lanes++
      onPeer(...args)
    }
    const m = h.shareLink.magnetFromFragment(location.hash)!
    const hex = await client.addMagnet(m)
    await h.clientHelpers.waitDone(hex, 90_000)
    // B came from a magnet: its piece layers can only have come from A, by BEP 52 hash requests over
    // a connection upgraded to v2; once all arrived they are in the .torrent B keeps.
    const deadline = Date.now() + 30_000
    let layers = 0
    // The detail view shows A once (its lanes merged), over lanesPerPeer connections: engine sessions with A's peer id.
    const sessionsToA = () => {
      const peers = client.detail(hex)!.peers
      return peers.length === 1 && peers[0]!.progress === 1 ? peers[0]!.connections : 0
    }
    while (Date.now() < deadline) {
      const t = await h.metainfo.parseTorrent(client.torrentFile(hex)!)
      layers = t.pieceLayers.size
      if (layers > 0 && sessionsToA() === client.peers.limits.lanesPerPeer) break
      await new Promise((r) => setTimeout(r, 200))
    }
    const t = await h.metainfo.parseTorrent(client.torrentFile(hex)!)
    return { version: t.metaVersion, layers: t.pieceLayers.size, lanes, sessionsToA: sessionsToA(), lanesPerPeer: client.peers.limits.lanesPerPeer }
  })
  const seconds = (Date.now() - started) / 1000
  console.log(`[client e2e] 32 MiB A -> B through our tracker: ${seconds.toFixed(1)} s (${(32 * 1.048576 / seconds).toFixed(1)} MB/s, including metadata)`)
  expect(await savedSha256(b, infoHashHex)).toBe(sha)
  expect(got.lanesPerPeer).toBeGreaterThan(1)
  // Every lane reached the engine as a session to A (same peer id, not refused as a duplicate).
  expect(got).toEqual({ version: 'hybrid', layers: 1, lanes: got.lanesPerPeer - 1, sessionsToA: got.lanesPerPeer, lanesPerPeer: got.lanesPerPeer })
})

test('seed a 6 MiB v2-only (BEP 52) torrent in A, open its btmh-only share link in B: B completes with identical bytes and the piece layers from A', async ({ browser }) => {
  test.setTimeout(120_000)
  const { infoHashHex, link, sha } = await seeder(browser, 6, 11, 2)
  // A v2-only torrent has no v1 info hash: the link names the v2 one only, and the swarm id (the
  // tracker's and the handshake's) is its first 20 bytes.
  expect(link).not.toContain('urn:btih:')
  const v2 = /#magnet:\?xt=urn:btmh:1220([0-9a-f]{64})/.exec(link)?.[1]
  expect(v2?.slice(0, 40)).toBe(infoHashHex)
  const b = await peerAt(browser, link)
  const got = await b.page.evaluate(async () => {
    const h = window.swarmdropHarness
    const client = await h.clientHelpers.startClient()
    const hex = await client.addMagnet(h.shareLink.magnetFromFragment(location.hash)!)
    await h.clientHelpers.waitDone(hex, 90_000)
    // Every piece was checked against layers B could only get from A (BEP 52 hash requests); they end
    // up in the .torrent B keeps, whose v2 info hash is the link's.
    const deadline = Date.now() + 30_000
    while (Date.now() < deadline) {
      const t = await h.metainfo.parseTorrent(client.torrentFile(hex)!)
      if (t.pieceLayers.size > 0) return { hex, version: t.metaVersion, layers: t.pieceLayers.size, v1: t.infoHashV1 !== null, v2: h.bytes.toHex(t.infoHashV2!) }
      await new Promise((r) => setTimeout(r, 200))
    }
    return { hex, version: null }
  })
  expect(got).toEqual({ hex: infoHashHex, version: 2, layers: 1, v1: false, v2 })
  expect(await savedSha256(b, infoHashHex)).toBe(sha)
})

test('a 3-peer swarm (1 seeder, 2 leechers at once) completes with identical bytes', async ({ browser }) => {
  test.setTimeout(120_000)
  const { infoHashHex, link, sha } = await seeder(browser, 12, 31)
  const leechers = [await peerAt(browser, link), await peerAt(browser, link)]
  await Promise.all(
    leechers.map((l) =>
      l.page.evaluate(async () => {
        const h = window.swarmdropHarness
        const client = await h.clientHelpers.startClient()
        await h.clientHelpers.waitDone(await client.addMagnet(h.shareLink.magnetFromFragment(location.hash)!), 90_000)
      }),
    ),
  )
  for (const l of leechers) expect(await savedSha256(l, infoHashHex)).toBe(sha)
  // The leechers also found each other (the tracker relays offers to every peer of the swarm).
  const peers = await Promise.all(leechers.map((l) => l.page.evaluate(() => (window.scratch['client'] as Client).peers.connectionCount())))
  expect(Math.min(...peers)).toBeGreaterThanOrEqual(1)
})

test("a multi-file .torrent (webtorrent-fixtures' numbers) opened in B completes with every file intact", async ({ browser }) => {
  test.setTimeout(90_000)
  const fixtures = 'node_modules/webtorrent-fixtures/fixtures'
  const torrent = [...(await readFile(`${fixtures}/numbers.torrent`))]
  const files = await Promise.all(['1.txt', '2.txt', '3.txt'].map(async (n) => ({ name: n, bytes: [...(await readFile(`${fixtures}/numbers/${n}`))] })))
  const a = await peerAt(browser, tracker().httpUrl)
  const hex = await a.page.evaluate(
    async ({ torrent, files }) => {
      const client = await window.swarmdropHarness.clientHelpers.startClient()
      const dropped = files.map((f) => ({ path: ['numbers', f.name], file: new File([new Uint8Array(f.bytes)], f.name) }))
      return (await client.seedTorrent(new Uint8Array(torrent), dropped)).infoHashHex
    },
    { torrent, files },
  )
  const b = await peerAt(browser, tracker().httpUrl)
  const got = await b.page.evaluate(
    async ({ torrent }) => {
      const h = window.swarmdropHarness
      const client = await h.clientHelpers.startClient()
      const hex = await client.addTorrentFile(new Uint8Array(torrent))
      await h.clientHelpers.waitDone(hex, 60_000)
      return Promise.all((await client.files(hex)).map(async (f) => ({ path: f.path.join('/'), bytes: [...new Uint8Array(await f.file.arrayBuffer())] })))
    },
    { torrent },
  )
  expect(hex).toMatch(/^[0-9a-f]{40}$/)
  expect(got).toEqual(files.map((f) => ({ path: f.name, bytes: f.bytes })))
})

test('a torrent that does not fit the storage quota fails clearly and is not kept', async ({ browser }) => {
  const b = await peerAt(browser, tracker().httpUrl)
  const r = await b.page.evaluate(async () => {
    const h = window.swarmdropHarness
    const client = await h.clientHelpers.startClient()
    const { quota } = await navigator.storage.estimate()
    const pieceLength = 512 * 1024 * 1024
    const length = (quota ?? 0) + 4 * pieceLength
    const info = h.bencode.encode({ length, name: 'too big', 'piece length': pieceLength, pieces: new Uint8Array(20 * Math.ceil(length / pieceLength)) })
    try {
      await client.addTorrentFile(h.metainfo.encodeTorrent({ infoBytes: info }))
      return { threw: null }
    } catch (e) {
      return { threw: (e as Error).name, message: (e as Error).message, kept: (await client.library.list()).length, views: client.views().length }
    }
  })
  expect(r).toMatchObject({ threw: 'QuotaError', kept: 0, views: 0 })
  expect(r.message).toMatch(/not enough storage: this torrent needs .* more/)
})
