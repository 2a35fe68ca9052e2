import { describe, expect, it } from 'vitest'
import type { TorrentInfo } from '../../shared/metainfo/index.ts'
import type { OpfsPieceStore } from './opfs-store.ts'
import { TORRENT_STORE_LIMITS, TorrentStore } from './torrent-store.ts'

// A shared file whose reads fail while the copy into OPFS runs (seen in Chromium): the read waits for
// the copy to reach the piece and serves it from OPFS, instead of failing the upload (which closes the
// peer); without a copy under way, or past the wait, the original error comes back.

const info = { pieceLength: 4, length: 8, pieceCount: 2 } as TorrentInfo

class UnreadableBlob extends Blob {
  override slice(): Blob {
    return { arrayBuffer: () => Promise.reject(new DOMException('could not be read', 'NotReadableError')) } as unknown as Blob
  }
}

function fakeOpfs(copied: Set<number>): OpfsPieceStore {
  return { has: (i: number) => copied.has(i), read: async (i: number, b: number, l: number) => new Uint8Array(l).fill(10 + i + b) } as unknown as OpfsPieceStore
}

describe('TorrentStore reads while the copy runs', () => {
  it('reads the shared file while it can', async () => {
    const s = new TorrentStore(async () => fakeOpfs(new Set()))
    s.withSource(info, new Blob([new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8])]))
    expect([...(await s.read(1, 1, 2))]).toEqual([6, 7])
    expect(s.reads).toMatchObject({ source: 1, opfs: 0, waitedForCopy: 0 })
  })

  it('a failed read of the file waits for the copy and serves the piece from OPFS', async () => {
    const copied = new Set<number>()
    const s = new TorrentStore(async () => fakeOpfs(copied))
    s.withSource(info, new UnreadableBlob([new Uint8Array(8)]))
    s.attach(fakeOpfs(copied))
    setTimeout(() => copied.add(1), 3 * TORRENT_STORE_LIMITS.copyPollMs)
    expect([...(await s.read(1, 2, 2))]).toEqual([13, 13])
    expect(s.reads.waitedForCopy).toBe(1)
  })

  it('without a copy under way the read fails with the file error', async () => {
    const s = new TorrentStore(async () => fakeOpfs(new Set()))
    s.withSource(info, new UnreadableBlob([new Uint8Array(8)]))
    await expect(s.read(0, 0, 4)).rejects.toMatchObject({ name: 'NotReadableError' })
  })
})
