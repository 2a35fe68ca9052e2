import { describe, expect, it } from 'vitest'
import { makeData, makeTorrent } from './test-support/make-torrent.ts'
import { Swarm } from './test-support/swarm.ts'

describe('Torrent.stats()', () => {
  it('reports rates, totals, progress and flags during and after a transfer', async () => {
    const data = makeData(2_000_000, 61)
    const meta = await makeTorrent([{ name: 's.bin', data }], 32768)
    const swarm = new Swarm(meta, { latencyMs: 10, bytesPerSecond: 1_000_000 })
    const seed = await swarm.add('seed', { seed: data })
    const leech = await swarm.add('leech')
    swarm.connect('seed', 'leech')
    await swarm.run(() => swarm.clock.now() >= 1000)
    const mid = leech.torrent.stats()
    expect(mid.progress).toBeGreaterThan(0.2)
    expect(mid.progress).toBeLessThan(1)
    // About 1 MB/s over the link (payload slightly less than the wire bytes).
    expect(mid.downloadRate).toBeGreaterThan(700_000)
    expect(mid.downloadRate).toBeLessThan(1_050_000)
    expect(mid.peers).toHaveLength(1)
    expect(mid.peers[0]!.flags).toContain('D')
    expect(mid.peers[0]!.flags).toContain('X')
    expect(mid.peers[0]!.flags).toContain('F')
    expect(seed.torrent.stats().peers[0]!.flags).toContain('U')
    await swarm.run(() => leech.torrent.isDone())
    const end = leech.torrent.stats()
    expect(end.done).toBe(true)
    expect(end.progress).toBe(1)
    expect(end.downloaded).toBe(data.length)
    expect(seed.torrent.stats().uploaded).toBe(data.length)
    swarm.destroy()
  })
})
