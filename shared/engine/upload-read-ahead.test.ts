import { describe, expect, it } from 'vitest'
import { bytesEqual } from '../bytes.ts'
import { MemoryStore } from './adapters/memory-store.ts'
import { BLOCK_SIZE } from './limits.ts'
import { makeData, makeTorrent } from './test-support/make-torrent.ts'
import { Swarm } from './test-support/swarm.ts'

// A store whose every read is a round trip (the browser's OPFS worker): serving one block per round
// trip capped a peer's upload (bench/browser --probe: the seeder's channel sat nearly empty while the
// leecher had 1.8 MiB requested). Reads now run ahead of sends, in request order.

const READ_MS = 4

async function transfer(uploadReadsAhead: number) {
  const data = makeData(2 * 1024 * 1024, 77)
  const meta = await makeTorrent([{ name: 'f.bin', data }], 65536)
  const swarm = new Swarm(meta, { latencyMs: 5, bytesPerSecond: 100_000_000 })
  const backing = MemoryStore.seeded(data, meta.pieceLength)
  let inFlight = 0
  let maxInFlight = 0
  const slowStore = Object.assign(Object.create(backing) as MemoryStore, {
    read: (index: number, begin: number, length: number) => {
      inFlight++
      maxInFlight = Math.max(maxInFlight, inFlight)
      return new Promise<Uint8Array>((ok, fail) => {
        swarm.clock.setTimeout(() => {
          inFlight--
          backing.read(index, begin, length).then(ok, fail)
        }, READ_MS)
      })
    },
  })
  await swarm.add('seed', { store: slowStore, limits: { uploadReadsAhead } })
  // 16 KiB blocks (what a non-swarmdrop peer asks for): 128 reads, so the difference shows.
  const leecher = await swarm.add('leecher', { limits: { requestLength: BLOCK_SIZE } })
  swarm.connect('seed', 'leecher')
  const ms = await swarm.run(() => leecher.torrent.isDone())
  const got = leecher.store.contents(data.length)
  swarm.destroy()
  return { ms, maxInFlight, intact: bytesEqual(got, data) }
}

describe('uploader reads ahead of its sends', () => {
  it('keeps up to uploadReadsAhead reads in flight and finishes far sooner than one read at a time, bytes intact', async () => {
    const one = await transfer(1)
    const eight = await transfer(8)
    expect(one.intact).toBe(true)
    expect(eight.intact).toBe(true)
    expect(one.maxInFlight).toBe(1)
    expect(eight.maxInFlight).toBe(8)
    // 128 blocks x 4 ms one at a time is >= 512 ms; eight at a time needs about an eighth of that.
    expect(one.ms).toBeGreaterThanOrEqual(128 * READ_MS)
    expect(eight.ms).toBeLessThan(one.ms / 3)
  })
})
