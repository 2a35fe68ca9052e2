import { describe, expect, it } from 'vitest'
import { ReadWindows } from './read-windows.ts'

// A torrent of `total` bytes where byte i is (i * 7 + i >> 9) & 0xff, read through windows; the reads of
// the underlying "file" are counted and may be slowed so many block reads overlap.
function setup(o: { total: number; pieceLength: number; windowBytes: number; cacheBytes: number; delayMs?: number; failAt?: number }) {
  const byte = (i: number) => (i * 7 + (i >> 9)) & 0xff
  const reads: number[] = []
  const pieceCount = Math.ceil(o.total / o.pieceLength)
  const windows = new ReadWindows({
    pieceLength: o.pieceLength,
    pieceSize: (i) => (i === pieceCount - 1 ? o.total - i * o.pieceLength : o.pieceLength),
    windowBytes: o.windowBytes,
    cacheBytes: o.cacheBytes,
    readAt: async (offset, out) => {
      reads.push(offset)
      const pause = () => (o.delayMs ? new Promise((r) => setTimeout(r, Math.random() * o.delayMs!)) : null)
      await pause()
      if (offset === o.failAt) throw new Error('disk says no')
      // In two halves, a pause between: as a real read fills the buffer while other work runs.
      const half = out.length >> 1
      for (let k = 0; k < half; k++) out[k] = byte(offset + k)
      await pause()
      for (let k = half; k < out.length; k++) out[k] = byte(offset + k)
    },
  })
  const expected = (index: number, begin: number, length: number) => Uint8Array.from({ length }, (_, k) => byte(index * o.pieceLength + begin + k))
  return { windows, reads, expected }
}

describe('ReadWindows', () => {
  it('reads a big piece window by window, each window once for its blocks in order', async () => {
    const { windows, reads, expected } = setup({ total: 4 * 4096 + 1000, pieceLength: 4096, windowBytes: 1024, cacheBytes: 2048 })
    expect(windows.windowBytes).toBe(1024)
    for (let begin = 0; begin < 4096; begin += 256) expect(await windows.read(1, begin, 256)).toEqual(expected(1, begin, 256))
    expect(reads).toEqual([4096, 5120, 6144, 7168])
    // The last, short piece: its last window is short too, and a block past its end is not served here.
    expect(await windows.read(4, 768, 232)).toEqual(expected(4, 768, 232))
    expect(await windows.read(4, 768, 256)).toBeNull()
    // A block across two windows is left to the caller.
    expect(await windows.read(0, 1000, 100)).toBeNull()
  })

  it('a piece smaller than the window size is one window', async () => {
    const { windows, reads, expected } = setup({ total: 8192, pieceLength: 512, windowBytes: 1024, cacheBytes: 4096 })
    expect(windows.windowBytes).toBe(512)
    expect(await windows.read(3, 256, 256)).toEqual(expected(3, 256, 256))
    expect(await windows.read(3, 0, 256)).toEqual(expected(3, 0, 256))
    expect(reads).toEqual([1536])
  })

  it('many overlapping reads over more windows than the cache holds: every block right while buffers are reused', async () => {
    const { windows, reads, expected } = setup({ total: 64 * 2048, pieceLength: 2048, windowBytes: 1024, cacheBytes: 3 * 1024, delayMs: 5 })
    const asks: [number, number][] = []
    for (let i = 0; i < 400; i++) asks.push([Math.floor(Math.random() * 64), Math.floor(Math.random() * 16) * 128])
    const got = await Promise.all(asks.map(([index, begin]) => windows.read(index, begin, 128)))
    got.forEach((g, k) => expect(g).toEqual(expected(asks[k]![0], asks[k]![1], 128)))
    expect(reads.length).toBeLessThan(400) // overlapping asks of one window share its read
  })

  it('a failed window read fails its blocks and is read again next time', async () => {
    const { windows, reads, expected } = setup({ total: 4096, pieceLength: 1024, windowBytes: 1024, cacheBytes: 4096, failAt: 2048 })
    await expect(windows.read(2, 0, 100)).rejects.toThrow('disk says no')
    await expect(windows.read(2, 100, 100)).rejects.toThrow('disk says no')
    expect(reads).toEqual([2048, 2048])
    expect(await windows.read(1, 0, 100)).toEqual(expected(1, 0, 100))
  })

  it('cache off (0 bytes): nothing is served from windows', async () => {
    const { windows, reads } = setup({ total: 4096, pieceLength: 1024, windowBytes: 1024, cacheBytes: 0 })
    expect(await windows.read(0, 0, 100)).toBeNull()
    expect(reads).toEqual([])
  })
})
