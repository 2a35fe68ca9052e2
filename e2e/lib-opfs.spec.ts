import { expect, test } from '@playwright/test'
import { buildHarness } from './lib-harness/build.ts'
import { openPeer, type HarnessPeer } from './lib-harness/pages.ts'
import { serveStatic, type Running } from './lib-harness/servers.ts'

// web/lib/opfs-store.ts on real OPFS in Chromium, with both write backends.

let site: Running
let p: HarnessPeer
const HEX = 'ab'.repeat(20)
// Odd sizes on purpose: pieces straddle files, one file is empty, the last piece is short.
const FILES = [
  { path: ['album', 'a.bin'], length: 100_000 },
  { path: ['album', 'empty.txt'], length: 0 },
  { path: ['album', 'sub', 'b.bin'], length: 70_001 },
  { path: ['c.bin'], length: 33_333 },
]
const PIECE = 16_384

test.beforeAll(async ({ browser }) => {
  site = await serveStatic(await buildHarness())
  p = await openPeer(browser, site.url)
})
test.afterAll(async () => {
  await p?.context.close()
  await site?.close()
})
test.beforeEach(async () => {
  await p.page.evaluate((hex) => window.swarmdropHarness.opfsPaths.deleteTorrentData(hex), HEX)
})

for (const backend of ['worker', 'writable'] as const) {
  test(`${backend} backend: pieces written in any order read back byte-exact, files hold the torrent's bytes`, async () => {
    const r = await p.page.evaluate(
      async ({ hex, files, piece, backend }) => {
        const h = window.swarmdropHarness
        const { pattern, mismatch, shuffled, MemoryPersistence } = h.opfsHelpers
        const persistence = new MemoryPersistence()
        const layout = { infoHashHex: hex, pieceLength: piece, files }
        const store = await h.opfsStore.OpfsPieceStore.open(layout, { backend, persistence })
        const order = shuffled(store.pieceCount, 7)
        const written = order.slice(0, store.pieceCount - 2) // two pieces stay missing
        for (const i of written) await store.write(i, pattern(i * piece, store.pieceSize(i)))
        // Reads for serving: every block of every written piece, including ones that cross files.
        let bad = 0
        for (const i of written) {
          const size = store.pieceSize(i)
          for (let begin = 0; begin < size; begin += 5000) {
            const len = Math.min(5000, size - begin)
            if (mismatch(await store.read(i, begin, len), i * piece + begin) !== -1) bad++
          }
        }
        let refusedUnverified = false
        try {
          await store.read(order[store.pieceCount - 1]!, 0, 1)
        } catch (e) {
          refusedUnverified = e instanceof RangeError
        }
        const verified = [...(await store.verified())].sort((a, b) => a - b)
        await store.close()
        // The files themselves hold the torrent's bytes at the right places (this is what save.ts streams).
        const fileChecks: number[] = []
        let offset = 0
        const missing = new Set(order.slice(store.pieceCount - 2))
        for (let f = 0; f < files.length; f++) {
          const bytes = new Uint8Array(await (await store.file(f)).arrayBuffer())
          let wrong = bytes.length === files[f]!.length ? 0 : 1
          for (let i = 0; i < bytes.length; i++) {
            if (missing.has(Math.floor((offset + i) / piece))) continue
            if (bytes[i] !== h.opfsHelpers.patternAt(offset + i)) wrong++
          }
          fileChecks.push(wrong)
          offset += files[f]!.length
        }
        // Reopen with the persisted bitfield: the same pieces come back as verified (resume).
        const again = await h.opfsStore.OpfsPieceStore.open(layout, { backend, persistence })
        const resumed = [...(await again.verified())].sort((a, b) => a - b)
        const stillThere = mismatch(await again.read(written[0]!, 0, 100), written[0]! * piece)
        await again.close()
        return { bad, refusedUnverified, verified, expected: [...written].sort((a, b) => a - b), fileChecks, resumed, stillThere, saves: persistence.saves }
      },
      { hex: HEX, files: FILES, piece: PIECE, backend },
    )
    expect(r.bad).toBe(0)
    expect(r.refusedUnverified).toBe(true)
    expect(r.verified).toEqual(r.expected)
    expect(r.fileChecks).toEqual([0, 0, 0, 0])
    expect(r.resumed).toEqual(r.expected)
    expect(r.stillThere).toBe(-1)
    expect(r.saves).toBe(r.expected.length)
  })
}

for (const backend of ['worker', 'writable'] as const) {
  test(`${backend} backend: concurrent piece writes (as the engine issues them) all land`, async () => {
    const r = await p.page.evaluate(
      async ({ hex, files, piece, backend }) => {
        const h = window.swarmdropHarness
        const store = await h.opfsStore.OpfsPieceStore.open({ infoHashHex: hex, pieceLength: piece, files }, { backend })
        await Promise.all(Array.from({ length: store.pieceCount }, (_, i) => store.write(i, h.opfsHelpers.pattern(i * piece, store.pieceSize(i)))))
        const bad: number[] = []
        for (let i = 0; i < store.pieceCount; i++) if (h.opfsHelpers.mismatch(await store.read(i, 0, store.pieceSize(i)), i * piece) !== -1) bad.push(i)
        await store.close()
        return { bad, verified: [...(await store.verified())].length, count: store.pieceCount }
      },
      { hex: HEX, files: FILES, piece: PIECE, backend },
    )
    expect(r.bad).toEqual([])
    expect(r.verified).toBe(r.count)
  })
}

test('a file that vanished from OPFS loses its pieces from verified() on reopen', async () => {
  const r = await p.page.evaluate(
    async ({ hex, files, piece }) => {
      const h = window.swarmdropHarness
      const persistence = new h.opfsHelpers.MemoryPersistence()
      const layout = { infoHashHex: hex, pieceLength: piece, files }
      const store = await h.opfsStore.OpfsPieceStore.open(layout, { persistence })
      for (let i = 0; i < store.pieceCount; i++) await store.write(i, h.opfsHelpers.pattern(i * piece, store.pieceSize(i)))
      await store.close()
      const dir = await h.opfsPaths.torrentDir(hex, false)
      await dir.removeEntry('c.bin')
      const again = await h.opfsStore.OpfsPieceStore.open(layout, { persistence })
      const v = [...(await again.verified())]
      await again.close()
      return { count: again.pieceCount, verified: v }
    },
    { hex: HEX, files: FILES, piece: PIECE },
  )
  // c.bin is bytes 170001..203333: pieces 10..12 touch it.
  expect(r.verified).toEqual(Array.from({ length: 10 }, (_, i) => i))
  expect(r.count).toBe(13)
})

test('BEP 47 padding files are not stored, read back as zeros, and pieces across them verify', async () => {
  const r = await p.page.evaluate(async (hex) => {
    const h = window.swarmdropHarness
    const piece = 1024
    const files = [
      { path: ['x.bin'], length: 1000 },
      { path: ['.pad', '24'], length: 24, padding: true },
      { path: ['y.bin'], length: 1500 },
    ]
    const store = await h.opfsStore.OpfsPieceStore.open({ infoHashHex: hex, pieceLength: piece, files })
    const whole = h.opfsHelpers.pattern(0, 2524)
    whole.fill(0, 1000, 1024) // a padding file's bytes are zeros by definition
    for (let i = 0; i < store.pieceCount; i++) await store.write(i, whole.subarray(i * piece, i * piece + store.pieceSize(i)))
    const back = await store.read(0, 0, piece)
    const same = back.every((b, i) => b === whole[i])
    await store.close()
    const dir = await h.opfsPaths.torrentDir(hex, false)
    let padStored = true
    try {
      await dir.getDirectoryHandle('.pad')
    } catch {
      padStored = false
    }
    const y = new Uint8Array(await (await store.file(2)).arrayBuffer())
    return { same, padStored, yOk: y.every((b, i) => b === whole[1024 + i]), yLen: y.length }
  }, HEX)
  expect(r).toEqual({ same: true, padStored: false, yOk: true, yLen: 1500 })
})

test('a torrent larger than the quota fails clearly before anything is created', async () => {
  const r = await p.page.evaluate(async (hex) => {
    const h = window.swarmdropHarness
    const { quota } = await navigator.storage.estimate()
    const huge = (quota ?? 0) + 1024 ** 3
    try {
      await h.opfsStore.OpfsPieceStore.open({ infoHashHex: hex, pieceLength: 1 << 20, files: [{ path: ['huge.bin'], length: huge }] })
      return { threw: 'nothing' }
    } catch (e) {
      const stored = await h.opfsPaths.storedTorrents()
      return { threw: (e as Error).name, message: (e as Error).message, created: stored.includes(hex) }
    }
  }, HEX)
  expect(r).toMatchObject({ threw: 'QuotaError', created: false })
  expect(r.message).toMatch(/not enough storage/)
})

test('data and bitfield survive a page reload (real persistence)', async () => {
  const layoutArgs = { hex: HEX, files: FILES, piece: PIECE }
  await p.page.evaluate(async ({ hex, files, piece }) => {
    const h = window.swarmdropHarness
    const store = await h.opfsStore.OpfsPieceStore.open({ infoHashHex: hex, pieceLength: piece, files })
    for (const i of [0, 5, 12]) await store.write(i, h.opfsHelpers.pattern(i * piece, store.pieceSize(i)))
    localStorage.setItem('bits', JSON.stringify([...store.bitfield()]))
    await store.close()
  }, layoutArgs)
  await p.page.reload()
  await p.page.waitForFunction(() => document.title === 'harness ready')
  const r = await p.page.evaluate(async ({ hex, files, piece }) => {
    const h = window.swarmdropHarness
    const persistence = new h.opfsHelpers.MemoryPersistence()
    persistence.saved = new Uint8Array(JSON.parse(localStorage.getItem('bits')!) as number[])
    const store = await h.opfsStore.OpfsPieceStore.open({ infoHashHex: hex, pieceLength: piece, files }, { persistence })
    const v = [...(await store.verified())]
    const m = await Promise.all(v.map(async (i) => h.opfsHelpers.mismatch(await store.read(i, 0, store.pieceSize(i)), i * piece)))
    await store.close()
    return { v, m }
  }, layoutArgs)
  expect(r).toEqual({ v: [0, 5, 12], m: [-1, -1, -1] })
})
