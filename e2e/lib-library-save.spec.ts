import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { expect, test } from '@playwright/test'
import { buildHarness } from './lib-harness/build.ts'
import { openPeer, type HarnessPeer } from './lib-harness/pages.ts'
import { serveStatic, type Running } from './lib-harness/servers.ts'

// web/lib/library.ts (idb-keyval) and save.ts in real Chromium, with OPFS behind them.

let site: Running
let p: HarnessPeer
const HEX = 'de'.repeat(20)
const HEX2 = 'ef'.repeat(20)
const FILES = [
  { path: ['a.bin'], length: 300_000 },
  { path: ['sub', 'b.bin'], length: 123_457 },
]
const PIECE = 32_768

test.beforeAll(async ({ browser }) => {
  site = await serveStatic(await buildHarness())
  p = await openPeer(browser, site.url)
})
test.afterAll(async () => {
  await p?.context.close()
  await site?.close()
})

async function reload(): Promise<void> {
  await p.page.reload()
  await p.page.waitForFunction(() => document.title === 'harness ready')
}

test('the library lists, updates and survives a reload; bitfield saves are debounced; remove deletes the OPFS data', async () => {
  await p.page.evaluate(
    async ({ hex, hex2, files, piece }) => {
      const h = window.swarmdropHarness
      const lib = new h.library.Library('spec')
      const base = { state: 'downloading' as const, seededFromDrop: false, totals: { uploaded: 0, downloaded: 0, length: null } }
      await lib.put({ ...base, infoHashHex: hex2, name: 'second', source: { kind: 'magnet', uri: `magnet:?xt=urn:btih:${hex2}` }, addedAt: 2000 })
      await lib.put({ ...base, infoHashHex: hex, name: 'first', source: { kind: 'torrent', bytes: new Uint8Array([100, 101]) }, addedAt: 1000 })
      await lib.update(hex, { state: 'seeding', totals: { uploaded: 5, downloaded: 423457, length: 423457 } })
      // The debounce, deterministically: a synchronous burst of saves cannot be interrupted by its timer.
      const burst = lib.bitfieldPersistence(hex2, 100)
      for (let i = 1; i <= 13; i++) burst.save(new Uint8Array([i]))
      window.scratch['savesRightAway'] = burst.saves
      await new Promise((r) => setTimeout(r, 400))
      window.scratch['savesLater'] = burst.saves
      window.scratch['burstStored'] = [...((await lib.loadBitfield(hex2)) ?? [])]
      // A store whose bitfield goes through the library, 60 ms debounce.
      const persistence = lib.bitfieldPersistence(hex, 60)
      const store = await h.opfsStore.OpfsPieceStore.open({ infoHashHex: hex, pieceLength: piece, files }, { persistence })
      for (let i = 0; i < store.pieceCount; i++) if (i !== 3) await store.write(i, h.opfsHelpers.pattern(i * piece, store.pieceSize(i)))
      // The debounce fires and IndexedDB catches up with the store (no close(): as if the tab died now).
      const want = JSON.stringify([...store.bitfield()])
      let matches = false
      for (let t = 0; t < 60 && !matches; t++) {
        await new Promise((r) => setTimeout(r, 50))
        matches = JSON.stringify([...((await lib.loadBitfield(hex)) ?? [])]) === want
      }
      window.scratch['idbMatches'] = matches
    },
    { hex: HEX, hex2: HEX2, files: FILES, piece: PIECE },
  )
  const saves = await p.page.evaluate(() => ['savesRightAway', 'savesLater', 'burstStored', 'idbMatches'].map((k) => window.scratch[k]))
  // 13 saves in a burst: nothing written at once, then exactly one write, of the last value.
  expect(saves).toEqual([0, 1, [13], true])

  await reload()
  const r = await p.page.evaluate(
    async ({ hex, files, piece }) => {
      const h = window.swarmdropHarness
      const lib = new h.library.Library('spec')
      const list = (await lib.list()).map((x) => ({ hex: x.infoHashHex, name: x.name, state: x.state, kind: x.source.kind, uploaded: x.totals.uploaded }))
      const store = await h.opfsStore.OpfsPieceStore.open({ infoHashHex: hex, pieceLength: piece, files }, { persistence: lib.bitfieldPersistence(hex) })
      const verified = [...(await store.verified())]
      const intact = (await Promise.all(verified.map(async (i) => h.opfsHelpers.mismatch(await store.read(i, 0, store.pieceSize(i)), i * piece)))).every((m) => m === -1)
      await store.close()
      await lib.remove(hex)
      const after = { list: (await lib.list()).map((x) => x.infoHashHex), bits: await lib.loadBitfield(hex), data: (await h.opfsPaths.storedTorrents()).includes(hex) }
      return { list, verified, intact, after }
    },
    { hex: HEX, files: FILES, piece: PIECE },
  )
  expect(r.list).toEqual([
    { hex: HEX, name: 'first', state: 'seeding', kind: 'torrent', uploaded: 5 },
    { hex: HEX2, name: 'second', state: 'downloading', kind: 'magnet', uploaded: 0 },
  ])
  expect(r.verified).toEqual([0, 1, 2, 4, 5, 6, 7, 8, 9, 10, 11, 12])
  expect(r.intact).toBe(true)
  expect(r.after).toEqual({ list: [HEX2], bits: undefined, data: false })
})

/** Store a two-file torrent of pattern bytes in OPFS and return the SHA-256 (hex) of each file. */
async function storeTorrent(): Promise<string[]> {
  return p.page.evaluate(
    async ({ hex, files, piece }) => {
      const h = window.swarmdropHarness
      await h.opfsPaths.deleteTorrentData(hex)
      const store = await h.opfsStore.OpfsPieceStore.open({ infoHashHex: hex, pieceLength: piece, files })
      for (let i = 0; i < store.pieceCount; i++) await store.write(i, h.opfsHelpers.pattern(i * piece, store.pieceSize(i)))
      await store.close()
      window.scratch['store'] = store
      const out: string[] = []
      for (let f = 0; f < files.length; f++) out.push(h.bytes.toHex(await h.hash.sha256(new Uint8Array(await (await store.file(f)).arrayBuffer()))))
      return out
    },
    { hex: HEX, files: FILES, piece: PIECE },
  )
}

test('save without a picker: the OPFS file downloads, byte-identical', async () => {
  const hashes = await storeTorrent()
  const [download, result] = await Promise.all([
    p.page.waitForEvent('download'),
    p.page.evaluate(async () => {
      const h = window.swarmdropHarness
      const store = window.scratch['store'] as Awaited<ReturnType<typeof h.opfsStore.OpfsPieceStore.open>>
      return h.save.saveFile(await store.file(0), 'a.bin', {}) // {}: a window without pickers
    }),
  ])
  expect(result).toBe('downloaded')
  expect(download.suggestedFilename()).toBe('a.bin')
  const bytes = await readFile((await download.path())!)
  expect(createHash('sha256').update(bytes).digest('hex')).toBe(hashes[0])
})

test('save with the pickers streams into the chosen file and folder (pickers stubbed with OPFS handles)', async () => {
  const hashes = await storeTorrent()
  const r = await p.page.evaluate(async () => {
    const h = window.swarmdropHarness
    const store = window.scratch['store'] as Awaited<ReturnType<typeof h.opfsStore.OpfsPieceStore.open>>
    const root = await navigator.storage.getDirectory()
    const target = await root.getDirectoryHandle('save-target', { create: true })
    // Headless tests cannot click a native picker: hand save.ts the handle a user would have picked.
    const pickers = {
      showSaveFilePicker: async () => target.getFileHandle('picked.bin', { create: true }),
      showDirectoryPicker: async () => target,
    }
    const single = await h.save.saveFile(await store.file(1), 'b.bin', pickers)
    const folder = await h.save.saveFolder('my torrent', await Promise.all(store.layout.files.map(async (f, i) => ({ path: f.path, file: await store.file(i) }))), pickers)
    const digest = async (fh: FileSystemFileHandle) => h.bytes.toHex(await h.hash.sha256(new Uint8Array(await (await fh.getFile()).arrayBuffer())))
    const dir = await target.getDirectoryHandle('my torrent')
    const out = {
      single,
      folder,
      picked: await digest(await target.getFileHandle('picked.bin')),
      a: await digest(await dir.getFileHandle('a.bin')),
      b: await digest(await (await dir.getDirectoryHandle('sub')).getFileHandle('b.bin')),
    }
    const cancelled = await h.save.saveFile(await store.file(0), 'x', {
      showSaveFilePicker: async () => {
        throw new DOMException('user closed the picker', 'AbortError')
      },
    })
    await root.removeEntry('save-target', { recursive: true })
    return { ...out, cancelled }
  })
  expect(r).toEqual({ single: 'saved', folder: 'saved', picked: hashes[1], a: hashes[0], b: hashes[1], cancelled: 'cancelled' })
})

test('share links open from the page fragment; /config.json gives trackers and ICE servers', async () => {
  const r = await p.page.evaluate(async () => {
    const h = window.swarmdropHarness
    const m = h.shareLink.magnetFor('ab'.repeat(20), 'x y', [h.shareLink.ownTracker(location.href)])
    const link = h.shareLink.shareLink(location.href, m)
    location.hash = new URL(link).hash
    const back = h.shareLink.magnetFromFragment(location.hash)
    return { link, back: back && { hex: back.infoHashHex, name: back.name, trackers: back.trackers }, config: await h.appConfig.loadAppConfig() }
  })
  const origin = new URL(site.url)
  expect(r.link.startsWith(`${site.url}#magnet:?xt=urn:btih:${'ab'.repeat(20)}`)).toBe(true)
  expect(r.back).toEqual({ hex: 'ab'.repeat(20), name: 'x y', trackers: [`ws://${origin.host}/announce`] })
  // serveStatic's /config.json names no trackers: the page falls back to its own.
  expect(r.config).toEqual({ trackers: [`ws://${origin.host}/announce`], iceServers: [] })
})
