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
    const rider = await swarm.add('rider', { uplinkBytesPerSecond: 50_000 })
    // The free-rider downloads like everyone else but never unchokes anyone, so never uploads.
    const u = rider.torrent.uploader
    u.rechoke = () => {}
    u.interestChanged = () => {}
    u.serve = () => {}
    swarm.connectAll(['seed', ...honest, 'rider'])

    const got = (name: string) => swarm.node(name).torrent.downloader!.picker.have.count()
    // Upload slots are the scarce resource: seven leechers with thin uplinks, a seeder that cannot
    // feed everyone. (Once leechers finish and seed, they feed the free-rider too; that is BitTorrent.)
    // Sample progress when half the data has reached the average reciprocating peer.
    const t = await swarm.run(() => honest.reduce((s, n) => s + got(n), 0) / honest.length >= meta.pieceCount / 2)
    const honestAvg = honest.reduce((s, n) => s + got(n), 0) / honest.length
    const riderGot = got('rider')
    console.log(`free-rider ${riderGot} pieces vs reciprocating average ${honestAvg.toFixed(1)} (of ${meta.pieceCount}) at ${t} ms`)
    expect(riderGot).toBeLessThan(honestAvg * 0.6)
    let riderUploaded = 0
    for (const s of rider.torrent.sessions.values()) riderUploaded += s.state.upload.total
    expect(riderUploaded).toBe(0)
    swarm.destroy()
  })
})
