import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, stat, symlink, truncate, unlink, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Hasher } from '../shared/engine/index.ts'
import { makeData } from '../shared/engine/test-support/make-torrent.ts'
import { createTorrent, parseTorrent, type Metainfo } from '../shared/metainfo/index.ts'
import { FilePieceStore } from './file-store.ts'
import { resumePath } from './resume-file.ts'
import { StoreFault } from './store-fault.ts'

/** SHA-1 that counts its calls: what the store hashed to check the data. */
function countingHasher(): Hasher & { calls: number } {
  const h = {
    calls: 0,
    sha1: async (data: Uint8Array) => {
      h.calls++
      return new Uint8Array(createHash('sha1').update(data).digest())
    },
    sha256: async (data: Uint8Array) => new Uint8Array(createHash('sha256').update(data).digest()),
  }
  return h
}

let root: string
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'swarmdrop-node-peer-store-'))
})
afterAll(async () => {
  await rm(root, { recursive: true, force: true })
})

const PIECE = 16384
// Three files, sizes not multiples of the piece: pieces straddle file boundaries; an empty file too.
const FILES = [
  { name: 'a.bin', data: makeData(PIECE * 2 + 1000, 1) },
  { name: 'empty.txt', data: new Uint8Array(0) },
  { name: 'sub/b.bin', data: makeData(PIECE * 3 + 7, 2) },
]
const WHOLE = Buffer.concat(FILES.map((f) => f.data))

async function multiFileTorrent(): Promise<Metainfo> {
  const inputs = FILES.map((f) => ({
    path: ['album', ...f.name.split('/')],
    length: f.data.length,
    async *stream() {
      yield f.data
    },
  }))
  const { torrent } = await createTorrent(inputs, { pieceLength: PIECE, creationDate: null })
  return parseTorrent(torrent)
}

function pieceOf(info: Metainfo, i: number): Uint8Array {
  return WHOLE.subarray(i * info.pieceLength, Math.min(WHOLE.length, (i + 1) * info.pieceLength))
}

async function fresh(name: string): Promise<string> {
  const dir = join(root, name)
  await mkdir(dir, { recursive: true })
  return dir
}

describe('FilePieceStore', () => {
  it('writes pieces in any order straight into the files, empty files included, and reads across file boundaries', async () => {
    const info = await multiFileTorrent()
    const dir = await fresh('any-order')
    const store = await FilePieceStore.open({ dir, info, mode: 'download', hasher: countingHasher() })
    expect(store.verifiedCount).toBe(0)
    const order = [...Array(info.pieceCount).keys()].reverse()
    await Promise.all(order.map((i) => store.write(i, pieceOf(info, i))))
    expect(store.verifiedCount).toBe(info.pieceCount)
    expect(store.bytesLeft()).toBe(0)
    // A read spanning a.bin's end, the empty file and b.bin's start.
    const at = PIECE * 2 + 900
    const got = await store.read(2, 900, 300)
    expect(Buffer.from(got).equals(WHOLE.subarray(at, at + 300))).toBe(true)
    await store.close()
    for (const f of FILES) expect((await readFile(join(dir, 'album', f.name))).equals(Buffer.from(f.data))).toBe(true)
  })

  it('resumes from its resume file without reading the data again, and re-checks only a file that changed', async () => {
    const info = await multiFileTorrent()
    const dir = await fresh('resume')
    const first = await FilePieceStore.open({ dir, info, mode: 'download', hasher: countingHasher() })
    for (let i = 0; i < info.pieceCount; i += 2) await first.write(i, pieceOf(info, i))
    await first.close()
    expect(existsSync(resumePath(dir, info.infoHashHex))).toBe(true)

    const hasher = countingHasher()
    const second = await FilePieceStore.open({ dir, info, mode: 'download', hasher })
    expect([...(await second.verified())]).toEqual([...Array(info.pieceCount).keys()].filter((i) => i % 2 === 0))
    expect(hasher.calls).toBe(0)
    await second.close()

    // b.bin changes behind our back (same size, new time): its pieces are hashed again, a.bin's are not.
    const b = join(dir, 'album', 'sub', 'b.bin')
    await utimes(b, new Date(), new Date(Date.now() + 5000))
    const hasher3 = countingHasher()
    const third = await FilePieceStore.open({ dir, info, mode: 'download', hasher: hasher3 })
    expect(hasher3.calls).toBeGreaterThan(0)
    expect(hasher3.calls).toBeLessThan(info.pieceCount)
    expect([...(await third.verified())]).toEqual([...Array(info.pieceCount).keys()].filter((i) => i % 2 === 0))
    await third.close()
  })

  it('checks data already in the folder without a resume file (seed), and never writes to it', async () => {
    const info = await multiFileTorrent()
    const dir = await fresh('seed')
    for (const f of FILES) {
      await mkdir(join(dir, 'album', 'sub'), { recursive: true })
      await writeFile(join(dir, 'album', f.name), f.data)
    }
    // One piece corrupt on disk: it must not count as verified.
    const a = join(dir, 'album', 'a.bin')
    const bytes = await readFile(a)
    bytes[10]! ^= 0xff
    await writeFile(a, bytes)
    const before = (await stat(a)).mtimeMs
    const hasher = countingHasher()
    const store = await FilePieceStore.open({ dir, info, mode: 'seed', hasher, resumeFile: null })
    expect(hasher.calls).toBe(info.pieceCount)
    expect(store.has(0)).toBe(false)
    expect(store.verifiedCount).toBe(info.pieceCount - 1)
    await expect(store.write(0, pieceOf(info, 0))).rejects.toThrow(/read-only/)
    await store.close()
    expect((await stat(a)).mtimeMs).toBe(before)
  })

  it('a full disk stops the store with a clear fault (writes to /dev/full)', async () => {
    const info = await multiFileTorrent()
    const dir = await fresh('full')
    await mkdir(join(dir, 'album', 'sub'), { recursive: true })
    await symlink('/dev/full', join(dir, 'album', 'a.bin'))
    const faults: StoreFault[] = []
    const store = await FilePieceStore.open({ dir, info, mode: 'download', hasher: countingHasher(), resumeFile: null, onFault: (f) => faults.push(f) })
    const err = await store.write(0, pieceOf(info, 0)).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(StoreFault)
    expect((err as StoreFault).kind).toBe('disk-full')
    expect((err as StoreFault).message).toMatch(/^disk full writing .*a\.bin$/)
    expect(faults).toHaveLength(1)
    expect(store.has(0)).toBe(false)
    // Every later call fails with the same fault, without touching the disk again.
    await expect(store.read(4, 0, 100)).rejects.toBe(faults[0])
    await store.close()
  })

  it('a data file deleted while seeding is noticed by the watch, and a truncated one on read', async () => {
    const info = await multiFileTorrent()
    const dir = await fresh('vanish')
    await mkdir(join(dir, 'album', 'sub'), { recursive: true })
    for (const f of FILES) await writeFile(join(dir, 'album', f.name), f.data)
    const faults: StoreFault[] = []
    const store = await FilePieceStore.open({ dir, info, mode: 'seed', hasher: countingHasher(), resumeFile: null, watchIntervalMs: 50, onFault: (f) => faults.push(f) })
    expect(store.verifiedCount).toBe(info.pieceCount)
    await store.read(0, 0, 100) // a.bin is open now: reads would go on from the deleted inode
    await unlink(join(dir, 'album', 'a.bin'))
    await expect.poll(() => faults.length, { timeout: 10_000 }).toBe(1)
    expect(faults[0]!.kind).toBe('vanished')
    expect(faults[0]!.message).toMatch(/data file vanished: .*a\.bin/)
    await store.close()

    const faults2: StoreFault[] = []
    const dir3 = await fresh('truncated')
    await mkdir(join(dir3, 'album', 'sub'), { recursive: true })
    for (const f of FILES) await writeFile(join(dir3, 'album', f.name), f.data)
    const s3 = await FilePieceStore.open({ dir: dir3, info, mode: 'seed', hasher: countingHasher(), resumeFile: null, onFault: (f) => faults2.push(f) })
    await truncate(join(dir3, 'album', 'sub', 'b.bin'), 10)
    const err = await s3.read(info.pieceCount - 1, 0, 5).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(StoreFault)
    expect((err as StoreFault).message).toMatch(/b\.bin is shorter than the torrent says/)
    expect(faults2).toHaveLength(1)
    await s3.close()
  })

  it('a single-file torrent is DIR/<name>; a resume file of another torrent or garbage is ignored', async () => {
    const data = makeData(50_000, 9)
    const { torrent } = await createTorrent([{ path: ['one.bin'], length: data.length, async *stream() { yield data } }], { pieceLength: PIECE, creationDate: null })
    const info = await parseTorrent(torrent)
    const dir = await fresh('single')
    await mkdir(join(dir, '.swarmdrop'), { recursive: true })
    await writeFile(resumePath(dir, info.infoHashHex), '{"version":1,"infoHash":"00","pieceCount":4}')
    const store = await FilePieceStore.open({ dir, info, mode: 'download', hasher: countingHasher() })
    expect(store.verifiedCount).toBe(0)
    for (let i = 0; i < info.pieceCount; i++) await store.write(i, data.subarray(i * PIECE, (i + 1) * PIECE))
    await store.close()
    expect((await readFile(join(dir, 'one.bin'))).equals(Buffer.from(data))).toBe(true)
  })
})
