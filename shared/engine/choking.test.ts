import { describe, expect, it } from 'vitest'
import { makeData, makeTorrent } from './test-support/make-torrent.ts'
import { Swarm } from './test-support/swarm.ts'

describe('choking in a swarm', () => {
  it('under contention a free-rider that never uploads receives clearly less than peers that reciprocate', async () => {
    const data = makeData(4 * 1024 * 1024, 51)
    const meta = await makeTorrent([{ name: 'f.bin', data }], 16384)
    const swarm = new Swarm(meta, { latencyMs: 25, bytesPerSecond: 1_000_000 })
    await swarm.add('seed', { seed: data, uplinkBytesPerSecond: 150_000 })
    const honest = Array.from({ length: 7 }, (_, i) => `peer${i}`)
    for (const n of honest) await swarm.add(n, { uplinkBytesPerSecond: 50_000 })
    // The free-rider downloads like everyone else but never unchokes anyone (no upload slots), so never uploads.
    const rider = await swarm.add('rider', { uplinkBytesPerSecond: 50_000, limits: { uploadSlots: 0 } })
    swarm.connectAll(['seed', ...honest, 'rider'])

    // Counted from events: reading stats() would read the rate meters, which start on first read.
    const verified = new Map<string, number>()
    for (const n of [...honest, 'rider']) swarm.node(n).torrent.on((e) => e.type === 'verified' && verified.set(n, (verified.get(n) ?? 0) + 1))
    const got = (name: string) => verified.get(name) ?? 0
    // Upload slots are the scarce resource: seven leechers with thin uplinks, a seeder that cannot
    // feed everyone. (Once leechers finish and seed, they feed the free-rider too; that is BitTorrent.)
    // Sample progress when half the data has reached the average reciprocating peer.
    const t = await swarm.run(() => honest.reduce((s, n) => s + got(n), 0) / honest.length >= meta.pieceCount / 2)
    const honestAvg = honest.reduce((s, n) => s + got(n), 0) / honest.length
    const riderGot = got('rider')
    console.log(`free-rider ${riderGot} pieces vs reciprocating average ${honestAvg.toFixed(1)} (of ${meta.pieceCount}) at ${t} ms`)
    expect(riderGot).toBeLessThan(honestAvg * 0.6)
    expect(rider.torrent.stats().uploaded).toBe(0)
    swarm.destroy()
  })
})
