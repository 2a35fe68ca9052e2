import { describe, expect, it } from 'vitest'
import { bytesEqual } from '../bytes.ts'
import { BLOCK_SIZE } from './limits.ts'
import { makeData, makeTorrent } from './test-support/make-torrent.ts'
import { RawPeer } from './test-support/raw-peer.ts'
import { peerIdFor, Swarm } from './test-support/swarm.ts'
import type { TorrentMeta } from './torrent-meta.ts'

const DATA = makeData(40 * 32768 + 5000, 81)
let meta: TorrentMeta
async function setup(limits = {}) {
  meta ??= await makeTorrent([{ name: 'p.bin', data: DATA }], 32768)
  const swarm = new Swarm(meta, { latencyMs: 20, bytesPerSecond: 1_000_000 })
  const seed = await swarm.add('seed', { seed: DATA, limits })
  const leech = await swarm.add('leech', { limits })
  return { swarm, seed, leech }
}

describe('PeerSession', () => {
  it('handshakes with the extension and fast bits, then sends the extended handshake and have-all', async () => {
    const { swarm, seed } = await setup()
    const peer = new RawPeer(swarm.attach('seed'), meta.infoHash, peerIdFor('raw'))
    await swarm.run(() => peer.count('haveAll') > 0)
    const hs = peer.events[0]
    expect(hs?.type).toBe('handshake')
    if (hs?.type !== 'handshake') throw new Error('no handshake')
    expect(hs.handshake.reserved[5]! & 0x10).toBe(0x10)
    expect(hs.handshake.reserved[7]! & 0x04).toBe(0x04)
    expect(bytesEqual(hs.handshake.infoHash, meta.infoHash)).toBe(true)
    expect(peer.events[1]?.type).toBe('extended')
    expect(seed.torrent.peerCount).toBe(1)
  })

  it('sends a bitfield (not have-all) to a peer without the fast extension', async () => {
    const { swarm } = await setup()
    const peer = new RawPeer(swarm.attach('seed'), meta.infoHash, peerIdFor('raw'), { extended: true })
    await swarm.run(() => peer.count('bitfield') > 0)
    expect(peer.count('haveAll')).toBe(0)
  })

  it('closes on a wrong info hash', async () => {
    const { swarm, seed } = await setup()
    const peer = new RawPeer(swarm.attach('seed'), new Uint8Array(20).fill(9), peerIdFor('raw'))
    await swarm.run(() => peer.closed)
    expect(seed.torrent.stats().closedPeers[0]?.reason).toMatch(/info hash/)
  })

  it('refuses a connection to ourselves and a second connection from the same peer id', async () => {
    const { swarm, seed } = await setup()
    const self = new RawPeer(swarm.attach('seed'), meta.infoHash, peerIdFor('seed'))
    const first = new RawPeer(swarm.attach('seed'), meta.infoHash, peerIdFor('twin'))
    await swarm.run(() => self.closed)
    const second = new RawPeer(swarm.attach('seed'), meta.infoHash, peerIdFor('twin'))
    await swarm.run(() => second.closed)
    expect(first.closed).toBe(false)
    expect(seed.torrent.peerCount).toBe(1)
  })

  it('accepts lanes (PeerInfo.lane) from a peer id it has, and unchokes them with their peer', async () => {
    // One upload slot plus the optimistic one: three sessions of one remote are all served only
    // because the choker counts the remote, not its sessions (choker.ts).
    const { swarm, seed } = await setup({ uploadSlots: 1 })
    const lanes = [0, 1, 2].map((i) => new RawPeer(swarm.attach('seed', undefined, { lane: i > 0 }), meta.infoHash, peerIdFor('twin')))
    await swarm.run(() => lanes.every((l) => l.count('haveAll') > 0))
    for (const l of lanes) l.send({ type: 'interested' })
    const unchoked = (l: RawPeer) => l.events.filter((e) => e.type === 'choke' || e.type === 'unchoke').at(-1)?.type === 'unchoke'
    await swarm.run(() => lanes.every(unchoked), 60_000)
    expect(seed.torrent.peerCount).toBe(3)
    // A second connection from that peer id that is not a lane is still refused.
    const twin = new RawPeer(swarm.attach('seed'), meta.infoHash, peerIdFor('twin'))
    await swarm.run(() => twin.closed)
    expect(seed.torrent.peerCount).toBe(3)
  })

  it('times out a peer that never handshakes', async () => {
    const { swarm, seed } = await setup({ handshakeTimeoutMs: 5000 })
    const t = swarm.attach('seed')
    let closed = false
    t.onClose = () => (closed = true)
    const start = swarm.clock.now()
    await swarm.run(() => closed)
    expect(swarm.clock.now() - start).toBeGreaterThanOrEqual(5000)
    expect(seed.torrent.stats().closedPeers[0]?.reason).toMatch(/handshake timeout/)
  })

  it('sends keep-alives while quiet and drops a peer silent past the idle timeout', async () => {
    const { swarm, seed } = await setup({ keepAliveIntervalMs: 30_000, idleTimeoutMs: 100_000 })
    const peer = new RawPeer(swarm.attach('seed'), meta.infoHash, peerIdFor('raw'))
    peer.send({ type: 'haveNone' })
    await swarm.run(() => peer.closed, 200_000)
    expect(peer.count('keepAlive')).toBeGreaterThanOrEqual(2)
    expect(seed.torrent.stats().closedPeers[0]?.reason).toMatch(/idle/)
  })

  it('answers a request only while the peer is unchoked, and rejects it otherwise (BEP 6)', async () => {
    const { swarm } = await setup()
    const peer = new RawPeer(swarm.attach('seed'), meta.infoHash, peerIdFor('raw'))
    peer.send({ type: 'haveNone' }, { type: 'request', index: 0, begin: 0, length: BLOCK_SIZE })
    await swarm.run(() => peer.count('reject') > 0)
    expect(peer.count('piece')).toBe(0)
    peer.send({ type: 'interested' })
    await swarm.run(() => peer.count('unchoke') > 0)
    peer.send({ type: 'request', index: 1, begin: BLOCK_SIZE, length: BLOCK_SIZE })
    await swarm.run(() => peer.count('piece') > 0)
    const piece = peer.events.find((e) => e.type === 'piece')
    if (piece?.type !== 'piece') throw new Error('no piece')
    expect(bytesEqual(piece.block, DATA.subarray(32768 + BLOCK_SIZE, 32768 + 2 * BLOCK_SIZE))).toBe(true)
  })

  it('a cancelled request is not served and gets a reject (BEP 6)', async () => {
    const { swarm } = await setup()
    const peer = new RawPeer(swarm.attach('seed'), meta.infoHash, peerIdFor('raw'))
    peer.send({ type: 'haveNone' }, { type: 'interested' })
    await swarm.run(() => peer.count('unchoke') > 0)
    // Request and cancel in one burst: the cancel arrives before the seeder can serve.
    peer.send({ type: 'request', index: 2, begin: 0, length: BLOCK_SIZE }, { type: 'cancel', index: 2, begin: 0, length: BLOCK_SIZE })
    await swarm.run(() => peer.count('reject') > 0 || peer.count('piece') > 0)
    expect(peer.count('piece') + peer.count('reject')).toBe(1)
  })

  it('re-requests from another peer when a request times out', async () => {
    const { swarm, leech } = await setup({ requestTimeoutMs: 10_000 })
    const mute = new RawPeer(swarm.attach('leech'), meta.infoHash, peerIdFor('mute'))
    mute.send({ type: 'haveAll' }, { type: 'unchoke' })
    await swarm.run(() => mute.count('request') > 0)
    swarm.connect('seed', 'leech')
    const t = await swarm.run(() => leech.torrent.isDone())
    expect(bytesEqual(leech.store.contents(meta.length), DATA)).toBe(true)
    expect(t).toBeLessThan(30_000)
  })

  it('grows the request pipeline with the peer rate, within the peer reqq', async () => {
    const { swarm, leech } = await setup({ advertisedReqq: 40 })
    swarm.connect('seed', 'leech')
    let deepest = 0
    await swarm.run(() => {
      for (const p of leech.torrent.stats().peers) deepest = Math.max(deepest, p.outstandingRequests)
      return leech.torrent.isDone()
    })
    // 1 MB/s over the link: 2 + 1e6 / 16384 = ~63 wanted, capped by the seeder's reqq of 40.
    expect(deepest).toBeGreaterThan(10)
    expect(deepest).toBeLessThanOrEqual(40)
  })
  it('without fast, a choke discards our requests and they are asked again after unchoke (BEP 3)', async () => {
    const { swarm } = await setup()
    const peer = new RawPeer(swarm.attach('leech'), meta.infoHash, peerIdFor('plain'), { extended: true })
    const all = new Uint8Array(Math.ceil(meta.pieceCount / 8)).fill(0xff)
    all[all.length - 1] = 0xff << (all.length * 8 - meta.pieceCount) & 0xff
    peer.send({ type: 'bitfield', bits: all }, { type: 'unchoke' })
    await swarm.run(() => peer.count('request') > 0)
    const first = peer.events.filter((e) => e.type === 'request').map((e) => JSON.stringify(e))
    peer.send({ type: 'choke' })
    await swarm.run(() => swarm.clock.now() > 2000)
    const before = peer.count('request')
    peer.send({ type: 'unchoke' })
    await swarm.run(() => peer.count('request') > before)
    const again = peer.events.filter((e) => e.type === 'request').slice(before).map((e) => JSON.stringify(e))
    expect(again).toContain(first[0])
  })
})
