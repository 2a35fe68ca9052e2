import { expect, test } from '@playwright/test'
import { randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { aria2c, cli, libtorrentPeer, type Proc } from '../node/interop/processes.ts'
import { toHex } from '../shared/bytes.ts'
import { createTorrent } from '../shared/metainfo/index.ts'
import { details, openApp, row, saveAndHash, sha256 } from './support/app-page.ts'
import { freePort, startAppServer, type AppServer } from './support/app-server.ts'

// Bridging, end to end: a classic client that only speaks TCP and a browser tab that only speaks
// WebRTC share a file through a Node peer (`cli download --seed`) that speaks both, with our tracker
// process (HTTP for aria2c, WebSocket for the tab and the Node peer's WebRTC). aria2c cannot reach the
// tab, nor the tab aria2c: every byte crosses the Node peer, verified there before it is passed on.

const SIZE = 4 * 1024 * 1024 + 4321
let server: AppServer
let root: string
const procs: Proc[] = []

test.beforeAll(async () => {
  server = await startAppServer()
  root = await mkdtemp(join(tmpdir(), 'swarmdrop-node-peer-bridge-'))
})
test.afterEach(async () => {
  await Promise.all(procs.splice(0).map((p) => p.kill('SIGKILL')))
})
test.afterAll(async () => {
  await server?.stop()
  await rm(root, { recursive: true, force: true })
})

function track(p: Proc): Proc {
  procs.push(p)
  return p
}

test('aria2c seeds over TCP; a Node peer joins; a tab opens the share link and gets the file over WebRTC', async ({ browser }) => {
  test.setTimeout(180_000)
  const http = `${server.url}/announce`
  const ws = `ws://127.0.0.1:${server.port}/announce`
  const data = randomBytes(SIZE)
  await mkdir(join(root, 'aria-seed'), { recursive: true })
  await writeFile(join(root, 'aria-seed', 'from-aria2.bin'), data)
  // Both trackers in the torrent: aria2c uses the HTTP one (it has no WebSocket), the tab the other.
  const { torrent, metainfo } = await createTorrent([{ path: ['from-aria2.bin'], length: data.length, async *stream() { yield data } }], { pieceLength: 65536, announce: [[http], [ws]] })
  const torrentPath = join(root, 'from-aria2.torrent')
  await writeFile(torrentPath, torrent)
  track(aria2c({ torrent: torrentPath, dir: join(root, 'aria-seed'), port: await freePort(), seed: true }))

  const bridge = track(cli('download', torrentPath, '-o', join(root, 'bridge-a'), '--seed', '--json', '--port', '0'))
  const started = await bridge.waitFor((l) => l['type'] === 'downloading')
  expect(started['webrtc']).toBe(true)
  await bridge.waitFor((l) => l['type'] === 'done', 90_000)
  expect((await readFile(join(root, 'bridge-a', 'from-aria2.bin'))).equals(data)).toBe(true)

  const tab = await openApp(browser, `${server.url}/#magnet:?xt=urn:btih:${metainfo.infoHashHex}&dn=from-aria2.bin&tr=${encodeURIComponent(ws)}`)
  const fetched = row(tab.page, 'from-aria2.bin')
  await expect(fetched).toHaveAttribute('data-status', 'seeding', { timeout: 90_000 })
  expect(await saveAndHash(tab.page, fetched)).toEqual({ name: 'from-aria2.bin', sha256: sha256(data), length: SIZE })
  // The bytes came through the Node peer, to a WebRTC peer.
  const served = await bridge.waitFor((l) => l['type'] === 'progress' && (l['uploaded'] as number) >= SIZE && (l['peers'] as { webrtc: number }).webrtc >= 1, 20_000)
  expect(served['uploaded']).toBeGreaterThanOrEqual(SIZE)
  await tab.context.close()
})

test('a v2-only torrent (BEP 52) crosses the bridge: libtorrent seeds over TCP, the Node peer fetches it from the btmh magnet, a tab gets it over WebRTC', async ({ browser }) => {
  test.setTimeout(180_000)
  const http = `${server.url}/announce`
  const ws = `ws://127.0.0.1:${server.port}/announce`
  const data = randomBytes(SIZE)
  await mkdir(join(root, 'lt-seed'), { recursive: true })
  await writeFile(join(root, 'lt-seed', 'from-libtorrent.bin'), data)
  const { torrent, metainfo } = await createTorrent([{ path: ['from-libtorrent.bin'], length: data.length, async *stream() { yield data } }], { pieceLength: 65536, metaVersion: 2, announce: [[http]] })
  const torrentPath = join(root, 'from-libtorrent.torrent')
  await writeFile(torrentPath, torrent)
  track(libtorrentPeer({ mode: 'seed', torrent: torrentPath, dir: join(root, 'lt-seed'), port: await freePort() }))

  // No v1 hash anywhere: the magnet names the v2 one (btmh); the info dict and the piece layers come
  // from libtorrent to the Node peer, then from the Node peer to the tab (BEP 9, BEP 52 hash requests).
  const magnet = `magnet:?xt=urn:btmh:1220${toHex(metainfo.infoHashV2!)}&dn=from-libtorrent.bin&tr=${encodeURIComponent(ws)}`
  const bridge = track(cli('download', `${magnet}&tr=${encodeURIComponent(http)}`, '-o', join(root, 'bridge-v2'), '--seed', '--json', '--port', '0'))
  await bridge.waitFor((l) => l['type'] === 'done', 90_000)
  expect((await readFile(join(root, 'bridge-v2', 'from-libtorrent.bin'))).equals(data)).toBe(true)

  const tab = await openApp(browser, `${server.url}/#${magnet}`)
  const fetched = row(tab.page, 'from-libtorrent.bin')
  await expect(fetched).toHaveAttribute('data-infohash', metainfo.infoHashHex)
  await expect(fetched).toHaveAttribute('data-status', 'seeding', { timeout: 90_000 })
  expect(await saveAndHash(tab.page, fetched)).toEqual({ name: 'from-libtorrent.bin', sha256: sha256(data), length: SIZE })
  const served = await bridge.waitFor((l) => l['type'] === 'progress' && (l['uploaded'] as number) >= SIZE && (l['peers'] as { webrtc: number }).webrtc >= 1, 20_000)
  expect(served['uploaded']).toBeGreaterThanOrEqual(SIZE)
  await tab.context.close()
})

test('a tab shares a file; aria2c downloads it through the Node peer', async ({ browser }) => {
  test.setTimeout(180_000)
  const http = `${server.url}/announce`
  const data = randomBytes(SIZE)
  const tab = await openApp(browser, server.url + '/')
  await tab.page.getByTestId('share-files').setInputFiles({ name: 'from-tab.bin', mimeType: 'application/octet-stream', buffer: data })
  // The details open on the new share link.
  const link = await details(tab.page, 'from-tab.bin').getByLabel('Share link of from-tab.bin', { exact: true }).inputValue({ timeout: 60_000 })
  await expect(row(tab.page, 'from-tab.bin')).toHaveAttribute('data-status', 'seeding', { timeout: 60_000 })

  // The Node peer takes the tab's share link, and also announces on the HTTP tracker for classic clients.
  const out = join(root, 'bridge-b')
  const bridge = track(cli('download', link, '-o', out, '--seed', '--tracker', http, '--json', '--port', '0'))
  await bridge.waitFor((l) => l['type'] === 'done', 90_000)
  expect((await readFile(join(out, 'from-tab.bin'))).equals(data)).toBe(true)

  // aria2c gets the .torrent the Node peer kept when the info dict arrived (its announce list has the
  // HTTP tracker). Not a magnet: aria2c announces left=0 while it has no metadata, and our tracker gives
  // a seed (left=0) only leechers, of which this swarm has none.
  const hash = new URL(link).hash.match(/btih:([0-9a-f]{40})/)![1]!
  const ariaOut = join(root, 'aria-leech')
  await mkdir(ariaOut, { recursive: true })
  const aria = track(aria2c({ torrent: join(out, '.swarmdrop', `${hash}.torrent`), dir: ariaOut, port: await freePort(), seed: false }))
  const code = await Promise.race([aria.exited, new Promise<number>((r) => setTimeout(() => r(-1), 90_000))])
  expect(code, aria.output).toBe(0)
  expect((await readFile(join(ariaOut, 'from-tab.bin'))).equals(data)).toBe(true)
  // Served to aria2c by the Node peer (the tab cannot reach aria2c).
  await bridge.waitFor((l) => l['type'] === 'progress' && (l['uploaded'] as number) >= SIZE, 20_000)
  await tab.context.close()
})
