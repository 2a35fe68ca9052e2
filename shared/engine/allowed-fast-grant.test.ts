import { describe, expect, it } from 'vitest'
import { allowedFastSet } from '../wire/allowed-fast.ts'
import { BLOCK_SIZE } from './limits.ts'
import { makeData, makeTorrent } from './test-support/make-torrent.ts'
import { RawPeer } from './test-support/raw-peer.ts'
import { peerIdFor, Swarm } from './test-support/swarm.ts'

// BEP 6 allowed-fast sets, granted by a seeder to peers whose IPv4 address the adapter gave (TCP), and
// the adapter's kind and address shown per peer in stats().

const DATA = makeData(40 * 16384, 5)

async function seeder(): Promise<Swarm> {
  const meta = await makeTorrent([{ name: 'f.bin', data: DATA }], 16384)
  // No upload slots: every peer stays choked, so only allowed-fast pieces can be served.
  const swarm = new Swarm(meta, { latencyMs: 5, bytesPerSecond: 10_000_000 })
  await swarm.add('seed', { seed: DATA, limits: { uploadSlots: 0 } })
  return swarm
}

describe('BEP 6 allowed fast, from the peer address', () => {
  it('a peer with a known IPv4 address is told its set and may fetch those pieces while choked; others are rejected', async () => {
    const swarm = await seeder()
    const meta = swarm.meta
    const peer = new RawPeer(swarm.attach('seed', undefined, { kind: 'tcp', address: '198.51.100.7' }), meta.infoHash, peerIdFor('leech'))
    peer.send({ type: 'haveNone' }, { type: 'interested' })
    await swarm.run(() => peer.count('allowedFast') === 10, 10_000)
    const expected = await allowedFastSet(10, '198.51.100.7', meta.infoHash, meta.pieceCount)
    const granted = peer.events.flatMap((e) => (e.type === 'allowedFast' ? [e.index] : []))
    expect(granted.sort((a, b) => a - b)).toEqual([...expected].sort((a, b) => a - b))
    const other = [...Array(meta.pieceCount).keys()].find((i) => !expected.includes(i))!
    peer.send({ type: 'request', index: expected[0]!, begin: 0, length: BLOCK_SIZE }, { type: 'request', index: other, begin: 0, length: BLOCK_SIZE })
    await swarm.run(() => peer.count('piece') + peer.count('reject') === 2, 10_000)
    expect(peer.count('unchoke')).toBe(0)
    expect(peer.events.find((e) => e.type === 'piece')).toMatchObject({ index: expected[0] })
    expect(peer.events.find((e) => e.type === 'reject')).toMatchObject({ index: other })
    const stats = swarm.node('seed').torrent.stats()
    expect(stats.peers).toEqual([expect.objectContaining({ kind: 'tcp', address: '198.51.100.7' })])
  })

  it('no address (WebRTC), no set: a choked request is rejected', async () => {
    const swarm = await seeder()
    const peer = new RawPeer(swarm.attach('seed', undefined, { kind: 'webrtc' }), swarm.meta.infoHash, peerIdFor('leech'))
    peer.send({ type: 'haveNone' }, { type: 'interested' }, { type: 'request', index: 0, begin: 0, length: BLOCK_SIZE })
    await swarm.run(() => peer.count('reject') === 1, 10_000)
    expect(peer.count('allowedFast')).toBe(0)
    expect(peer.count('piece')).toBe(0)
    expect(swarm.node('seed').torrent.stats().peers[0]).toMatchObject({ kind: 'webrtc', address: null })
  })
})
