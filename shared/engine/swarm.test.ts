import { describe, expect, it } from 'vitest'
import { bytesEqual } from '../bytes.ts'
import { makeData, makeTorrent } from './test-support/make-torrent.ts'
import { Swarm } from './test-support/swarm.ts'

function uploadedBy(swarm: Swarm, name: string): number {
  return swarm.node(name).torrent.stats().uploaded
}

describe('simulated swarms', () => {
  it('1 seeder -> 1 leecher: the leecher ends with the source bytes', async () => {
    const data = makeData(1_000_000 + 123, 7)
    const meta = await makeTorrent([{ name: 'a.bin', data }], 32768)
    const swarm = new Swarm(meta)
    await swarm.add('seed', { seed: data })
    const leech = await swarm.add('leech')
    swarm.connect('seed', 'leech')
    const t = await swarm.run(() => leech.torrent.isDone())
    expect(bytesEqual(leech.store.contents(meta.length), data)).toBe(true)
    // 1 MB at 2 MB/s plus latency: about half a second of virtual time.
    expect(t).toBeLessThan(5_000)
    swarm.destroy()
  })

  it('1 seeder -> 10 leechers: all complete and the seeder uploads less than 3 copies', async () => {
    const data = makeData(2 * 1024 * 1024, 11)
    const meta = await makeTorrent([{ name: 'b.bin', data }], 32768)
    // Every node has the same upload capacity: the seeder alone cannot feed ten leechers quickly,
    // so the leechers must trade.
    const swarm = new Swarm(meta, { latencyMs: 25, bytesPerSecond: 1_000_000 })
    await swarm.add('seed', { seed: data, uplinkBytesPerSecond: 1_000_000 })
    const names = Array.from({ length: 10 }, (_, i) => `leech${i}`)
    for (const n of names) await swarm.add(n, { uplinkBytesPerSecond: 1_000_000 })
    swarm.connectAll(['seed', ...names])
    await swarm.run(() => names.every((n) => swarm.node(n).torrent.isDone()))
    for (const n of names) expect(bytesEqual(swarm.node(n).store.contents(meta.length), data)).toBe(true)
    const seeded = uploadedBy(swarm, 'seed')
    const traded = names.reduce((sum, n) => sum + uploadedBy(swarm, n), 0)
    expect(seeded).toBeLessThan(3 * data.length)
    expect(traded).toBeGreaterThan(6 * data.length)
    swarm.destroy()
  })

  it('5 seeders -> 1 leecher: every seeder contributes', async () => {
    const data = makeData(1536 * 1024, 12)
    const meta = await makeTorrent([{ name: 'c.bin', data }], 16384)
    const swarm = new Swarm(meta, { latencyMs: 30, bytesPerSecond: 500_000 })
    const seeds = Array.from({ length: 5 }, (_, i) => `seed${i}`)
    for (const n of seeds) await swarm.add(n, { seed: data })
    const leech = await swarm.add('leech')
    for (const n of seeds) swarm.connect(n, 'leech')
    const t = await swarm.run(() => leech.torrent.isDone())
    expect(bytesEqual(leech.store.contents(meta.length), data)).toBe(true)
    for (const n of seeds) expect(uploadedBy(swarm, n)).toBeGreaterThan(data.length / 10)
    // Endgame duplicates are bounded: the seeders together send little more than one copy.
    expect(seeds.reduce((sum, n) => sum + uploadedBy(swarm, n), 0)).toBeLessThan(1.3 * data.length)
    // Five 500 kB/s links in parallel: well under the 3 s one link would need.
    expect(t).toBeLessThan(2_500)
    swarm.destroy()
  })

  it('magnet-only leecher: fetches the info dict from several peers, verifies it, then downloads', async () => {
    // 4 KiB pieces: 1024 piece hashes make the info dict > 16 KiB, so BEP 9 needs two pieces.
    const data = makeData(4 * 1024 * 1024, 13)
    const meta = await makeTorrent([{ name: 'd.bin', data }], 4096)
    expect(meta.infoBytes.length).toBeGreaterThan(16384)
    const swarm = new Swarm(meta)
    for (const n of ['s1', 's2', 's3']) await swarm.add(n, { seed: data })
    const leech = await swarm.add('magnet', { magnet: true })
    expect(leech.torrent.meta).toBeNull()
    let gotMetadata = false
    leech.torrent.on((e) => {
      if (e.type === 'metadata') gotMetadata = true
    })
    for (const n of ['s1', 's2', 's3']) swarm.connect(n, 'magnet')
    await swarm.run(() => leech.torrent.isDone())
    expect(gotMetadata).toBe(true)
    expect(leech.torrent.stats().metadata.sources).toBeGreaterThanOrEqual(2)
    expect(bytesEqual(leech.torrent.meta!.infoBytes, meta.infoBytes)).toBe(true)
    expect(bytesEqual(leech.store.contents(meta.length), data)).toBe(true)
    swarm.destroy()
  })

  it('downloads only the selected files', async () => {
    const a = makeData(300_000, 21)
    const b = makeData(500_000, 22)
    const c = makeData(200_000, 23)
    const meta = await makeTorrent([{ name: 'a', data: a }, { name: 'b', data: b }, { name: 'c', data: c }], 16384)
    const swarm = new Swarm(meta)
    const whole = new Uint8Array([...a, ...b, ...c])
    await swarm.add('seed', { seed: whole })
    const leech = await swarm.add('leech')
    const files = meta.files!
    const idx = files.findIndex((f) => f.length === 200_000)
    leech.torrent.selectFiles([idx])
    swarm.connect('seed', 'leech')
    await swarm.run(() => leech.torrent.isDone())
    const f = files[idx]!
    const got = leech.store.contents(meta.length).subarray(f.offset, f.offset + f.length)
    expect(bytesEqual(got, c)).toBe(true)
    // Pieces entirely inside the other files were never fetched.
    expect(leech.store.pieces.size).toBe(Math.floor((f.offset + f.length - 1) / 16384) - Math.floor(f.offset / 16384) + 1)
    swarm.destroy()
  })

  it('sequential mode fetches pieces in order', async () => {
    const data = makeData(640 * 1024, 31)
    const meta = await makeTorrent([{ name: 'e.bin', data }], 16384)
    const swarm = new Swarm(meta)
    await swarm.add('seed', { seed: data })
    const leech = await swarm.add('leech', { limits: { maxRequestsPerPeer: 1, randomFirstPieces: 0 } })
    leech.torrent.setSequential(true)
    const order: number[] = []
    leech.torrent.on((e) => e.type === 'verified' && order.push(e.index))
    swarm.connect('seed', 'leech')
    await swarm.run(() => leech.torrent.isDone())
    expect(order).toEqual([...order].sort((x, y) => x - y))
    expect(order.length).toBe(meta.pieceCount)
    swarm.destroy()
  })
})

describe('endgame', () => {
  it('requests the last blocks from every peer and cancels the duplicates', async () => {
    const data = makeData(3 * 1024 * 1024, 101)
    const meta = await makeTorrent([{ name: 'g.bin', data }], 32768)
    const swarm = new Swarm(meta)
    await swarm.add('fast', { seed: data })
    await swarm.add('slow', { seed: data })
    const leech = await swarm.add('leech')
    swarm.connect('fast', 'leech', { latencyMs: 10, bytesPerSecond: 2_000_000 })
    // 20 kB/s: a single 16 KiB block takes the slow seeder most of a second.
    swarm.connect('slow', 'leech', { latencyMs: 100, bytesPerSecond: 20_000 })
    const t = await swarm.run(() => leech.torrent.isDone())
    expect(bytesEqual(leech.store.contents(meta.length), data)).toBe(true)
    const cancels = leech.torrent.stats().peers.reduce((n, p) => n + p.cancelsSent, 0)
    expect(cancels).toBeGreaterThan(0)
    // Without endgame the slow seeder's last outstanding blocks alone would take seconds.
    expect(t).toBeLessThan(2_500)
  })
})
