import { test, expect } from '@playwright/test'
import { randomBytes } from 'node:crypto'
import { WebSocketServer } from 'ws'
import { encode } from '../shared/bencode/index.ts'
import { createTorrent, encodeTorrent } from '../shared/metainfo/index.ts'
import { freePort, startAppServer, type AppServer } from './support/app-server.ts'
import { openApp, row } from './support/app-page.ts'

// Every error the page can meet, shown where the person looks, in words that say what is wrong.

let server: AppServer
test.beforeAll(async () => {
  server = await startAppServer()
})
test.afterAll(async () => {
  await server?.stop()
})

async function torrentOf(name: string, length: number, announce: string[]): Promise<Buffer> {
  const bytes = randomBytes(length)
  const { torrent } = await createTorrent([{ path: [name], length, stream: async function* () { yield bytes } }], { announce: announce.map((u) => [u]) })
  return Buffer.from(torrent)
}

test('a corrupt .torrent, a pasted non-link, a full storage and a udp-only .torrent each say what is wrong', async ({ browser }) => {
  const { context, page } = await openApp(browser, server.url + '/')
  const alert = page.getByRole('alert')

  await page.getByLabel('Open a .torrent…').setInputFiles({ name: 'broken.torrent', mimeType: 'application/x-bittorrent', buffer: Buffer.from('d8:announce3:abc4:info') })
  await expect(alert).toContainText(/^This \.torrent file cannot be read: .+ at byte \d+\./)
  await expect(page.getByTestId('torrent')).toHaveCount(0)

  await page.getByLabel('Share link, magnet link or info hash').fill('magnet:?xt=urn:btih:not-a-hash')
  await page.getByRole('button', { name: 'Download' }).click()
  await expect(alert).toContainText(/^That is not a share link, a magnet link or an info hash: /)
  await expect(page.getByTestId('torrent')).toHaveCount(0)

  // Storage full: a torrent bigger than what the browser allows this site is refused before anything
  // is fetched (the .torrent only describes it: fake piece hashes, no data needed).
  const quota = await page.evaluate(async () => (await navigator.storage.estimate()).quota ?? 0)
  const pieceLength = 512 * 1024 * 1024
  const length = quota + 4 * pieceLength
  const info = encode({ length, name: 'big.iso', 'piece length': pieceLength, pieces: new Uint8Array(20 * Math.ceil(length / pieceLength)) })
  await page.getByLabel('Open a .torrent…').setInputFiles({ name: 'big.torrent', mimeType: 'application/x-bittorrent', buffer: Buffer.from(encodeTorrent({ infoBytes: info })) })
  await expect(alert).toContainText(/^Not enough storage: this torrent needs \d+ GiB more, the browser allows \d+ GiB more for this site\. Free some in Settings or remove torrents\./)
  await expect(page.getByTestId('torrent')).toHaveCount(0)

  // Trackers a browser cannot use: the torrent is added (with this page's tracker) and says why peers may not come.
  await page.getByLabel('Open a .torrent…').setInputFiles({ name: 'classic.torrent', mimeType: 'application/x-bittorrent', buffer: await torrentOf('classic.bin', 40_000, ['udp://tracker.example:1337/announce', 'http://tracker.example/announce']) })
  await expect(row(page, 'classic.bin')).toContainText(/This torrent lists only udp:\/\/ or http:\/\/ trackers\. A browser can reach only WebRTC peers/)
  await expect(row(page, 'classic.bin')).toContainText('a seed that bridges classic clients')
  await expect(alert).toHaveCount(0)
  await context.close()
})

test('a magnet whose tracker cannot be reached, and one whose tracker never answers, say so on their rows', async ({ browser }) => {
  test.setTimeout(90_000)
  // A tracker that accepts the WebSocket and then says nothing.
  const silent = new WebSocketServer({ host: '127.0.0.1', port: 0 })
  await new Promise((resolve) => silent.once('listening', resolve))
  const silentUrl = `ws://127.0.0.1:${(silent.address() as { port: number }).port}/announce`
  const deadUrl = `ws://127.0.0.1:${await freePort()}/announce`
  const { context, page } = await openApp(browser, server.url + '/')
  const add = async (name: string, tracker: string) => {
    await page.getByLabel('Share link, magnet link or info hash').fill(`magnet:?xt=urn:btih:${randomBytes(20).toString('hex')}&dn=${name}&tr=${encodeURIComponent(tracker)}`)
    await page.getByRole('button', { name: 'Download' }).click()
    await expect(row(page, name)).toBeVisible()
  }
  await add('unreachable', deadUrl)
  await add('unanswered', silentUrl)
  await expect(row(page, 'unreachable').getByTestId('tracker-warning')).toContainText(`No tracker helps this torrent find peers: ${deadUrl} cannot be reached (connection closed)`, { timeout: 20_000 })
  await expect(row(page, 'unreachable').getByTestId('torrent-status')).toHaveText('Connecting to the tracker')
  await expect(row(page, 'unanswered').getByTestId('tracker-warning')).toContainText(`${silentUrl} does not answer (no reply for`, { timeout: 40_000 })
  await context.close()
  silent.close()
})

test('a browser without WebRTC or OPFS is told what it lacks', async ({ browser }) => {
  const context = await browser.newContext()
  await context.addInitScript(() => {
    delete (window as { RTCPeerConnection?: unknown }).RTCPeerConnection
    delete (StorageManager.prototype as { getDirectory?: unknown }).getDirectory
  })
  const page = await context.newPage()
  await page.goto(server.url + '/')
  await expect(page.getByRole('alert')).toContainText('This browser cannot run swarmdrop: it lacks WebRTC (to connect to other browsers), and the Origin Private File System (to store what it downloads).')
  await expect(page.getByLabel('Share files…')).toHaveCount(0)
  await context.close()
})
