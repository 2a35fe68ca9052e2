import { describe, expect, it } from 'vitest'
import { makeData, makeTorrent } from './test-support/make-torrent.ts'
import { nodeHasher } from './test-support/node-hasher.ts'
import { RecheckCancelled, recheckPieces } from './recheck.ts'
import { pieceSpace, v2TorrentOf } from './test-support/v2-torrent.ts'

describe('recheckPieces', () => {
  it('passes intact pieces, fails damaged and unreadable ones, and reports progress', async () => {
    const data = makeData(5 * 16384 - 100, 9)
    const meta = await makeTorrent([{ name: 'r.bin', data }], 16384)
    const stored = data.slice()
    stored[2 * 16384 + 5]! ^= 0xff // piece 2 damaged on disk
    const read = async (i: number) => (i === 4 ? null : stored.slice(i * 16384, Math.min(stored.length, (i + 1) * 16384)))
    const progress: [number, number][] = []
    const good = await recheckPieces(meta, nodeHasher, read, { onProgress: (c, g) => progress.push([c, g]) })
    expect([...good.indices()]).toEqual([0, 1, 3])
    expect(progress).toEqual([[1, 1], [2, 2], [3, 2], [4, 3], [5, 3]])
  })

  it('a reader that throws fails that piece only; a cancel stops the check', async () => {
    const data = makeData(3 * 16384, 10)
    const meta = await makeTorrent([{ name: 's.bin', data }], 16384)
    const read = async (i: number) => {
      if (i === 1) throw new Error('file vanished')
      return data.slice(i * 16384, (i + 1) * 16384)
    }
    expect([...(await recheckPieces(meta, nodeHasher, read)).indices()]).toEqual([0, 2])
    let asked = 0
    await expect(recheckPieces(meta, nodeHasher, read, { cancelled: () => ++asked > 2 })).rejects.toThrow(RecheckCancelled)
    expect(asked).toBe(3)
  })

  it.each([2, 'hybrid'] as const)('%s: pieces checked by their SHA-256 merkle roots (BEP 52); a v2 piece without its layer cannot pass', async (version) => {
    const files = [
      { path: ['v', 'a.bin'], data: makeData(3 * 16384 + 7, 11) },
      { path: ['v', 'b.bin'], data: makeData(16384, 12) },
    ]
    const meta = await v2TorrentOf(files, 16384, version)
    const stored = pieceSpace(meta, files)
    stored[16384 + 3]! ^= 0xff // piece 1 damaged on disk
    const read = async (i: number) => stored.slice(i * 16384, (i + 1) * 16384)
    expect([...(await recheckPieces(meta, nodeHasher, read)).indices()]).toEqual([0, 2, 3, 4])
    if (version === 2) expect([...(await recheckPieces({ ...meta, pieceLayers: new Map() }, nodeHasher, read)).indices()]).toEqual([4])
  })
})
