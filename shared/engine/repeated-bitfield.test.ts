import { describe, expect, it } from 'vitest'
import { bytesEqual } from '../bytes.ts'
import { makeData, makeTorrent } from './test-support/make-torrent.ts'
import { RawPeer } from './test-support/raw-peer.ts'
import { peerIdFor, Swarm } from './test-support/swarm.ts'

// aria2 sends its whole bitfield again in the middle of a connection (seen in node/interop): BEP 3 says
// a bitfield comes first only, but libtorrent accepts a later one and so do we, replacing what we knew.

const DATA = makeData(20 * 16384 + 100, 11) // 21 pieces

describe('a bitfield after the first announcement', () => {
  it('replaces the peer’s pieces: we ask it for what it now says it has, and the counts stay right', async () => {
    const meta = await makeTorrent([{ name: 'r.bin', data: DATA }], 16384)
    const swarm = new Swarm(meta, { latencyMs: 5, bytesPerSecond: 10_000_000 })
    await swarm.add('leech')
    const peer = new RawPeer(swarm.attach('leech'), meta.infoHash, peerIdFor('aria'))
    peer.send({ type: 'haveNone' }, { type: 'unchoke' }, { type: 'have', index: 3 })
    await swarm.run(() => peer.count('interested') === 1, 10_000)
    const bits = new Uint8Array(3)
    bits[0] = 0b0100_0000 // piece 1 only: piece 3 is gone from what it claims
    peer.send({ type: 'bitfield', bits })
    // It serves piece 1 only: the leecher must ask for it now (its requests for 3 just go unanswered).
    let served = 0
    await swarm.run(() => {
      const reqs = peer.events.filter((e) => e.type === 'request')
      for (; served < reqs.length; served++) {
        const r = reqs[served]!
        if (r.type === 'request' && r.index === 1) peer.send({ type: 'piece', index: r.index, begin: r.begin, block: DATA.subarray(r.index * 16384 + r.begin, r.index * 16384 + r.begin + r.length) })
      }
      return swarm.node('leech').store.pieces.has(1)
    }, 60_000)
    expect(peer.closed).toBe(false)
    const asked = new Set(peer.events.flatMap((e) => (e.type === 'request' ? [e.index] : [])))
    expect(asked.has(1)).toBe(true)
    expect([...asked].every((i) => i === 1 || i === 3)).toBe(true)
    expect(bytesEqual(swarm.node('leech').store.pieces.get(1)!, DATA.subarray(16384, 32768))).toBe(true)
  })

  it('a later bitfield that does not fit the torrent still closes the connection', async () => {
    const meta = await makeTorrent([{ name: 'r.bin', data: DATA }], 16384)
    const swarm = new Swarm(meta, { latencyMs: 5, bytesPerSecond: 10_000_000 })
    await swarm.add('leech')
    const peer = new RawPeer(swarm.attach('leech'), meta.infoHash, peerIdFor('liar'))
    peer.send({ type: 'haveNone' }, { type: 'bitfield', bits: new Uint8Array(3).fill(0xff) })
    await swarm.run(() => swarm.node('leech').torrent.stats().closedPeers.length === 1, 10_000)
    expect(swarm.node('leech').torrent.stats().closedPeers[0]!.reason).toMatch(/spare|bitfield/)
  })
})
