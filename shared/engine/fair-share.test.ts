import { describe, expect, it } from 'vitest'
import { bytesEqual } from '../bytes.ts'
import { makeData, makeTorrent } from './test-support/make-torrent.ts'
import { Swarm } from './test-support/swarm.ts'

// The pieces in flight are one budget for all peers (limits.ts maxPiecesInFlight / maxBytesInFlight);
// each peer we download from gets an equal share of it. Without the share, with small pieces the first
// fast peer took every slot as its blocks landed and three seeders delivered what one does (the
// browser bench's 3 -> 1 at 50 ms was 0.73x its 1 -> 1).

const DATA = makeData(4 << 20, 41)

async function run(seeders: number): Promise<{ ms: number; perSeeder: number[]; intact: boolean }> {
  // 16 KiB pieces (a 16 MiB share link's): the default budget is 64 of them, 1 MiB.
  const meta = await makeTorrent([{ name: 'f.bin', data: DATA }], 16384)
  const s = new Swarm(meta, { latencyMs: 25, bytesPerSecond: 2_500_000, highWaterMark: 1 << 20 })
  try {
    const leech = await s.add('leech')
    for (let i = 0; i < seeders; i++) {
      await s.add(`seed${i}`, { seed: DATA })
      s.connect('leech', `seed${i}`)
    }
    const ms = await s.run(() => leech.torrent.isDone())
    const perSeeder = [...Array(seeders).keys()].map((i) => s.node(`seed${i}`).torrent.stats().uploaded)
    return { ms, perSeeder, intact: bytesEqual(leech.store.contents(meta.length), DATA) }
  } finally {
    s.destroy()
  }
}

describe('the in-flight budget shared among peers', () => {
  it('three equal seeders each deliver a fair part, and together beat one by far', async () => {
    const one = await run(1)
    const three = await run(3)
    expect(one.intact && three.intact).toBe(true)
    for (const bytes of three.perSeeder) expect(bytes).toBeGreaterThan(DATA.length * 0.3)
    expect(three.ms).toBeLessThan(one.ms / 2)
  })
})
