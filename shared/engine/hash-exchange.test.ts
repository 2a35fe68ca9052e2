import { describe, expect, it } from 'vitest'
import { bytesEqual, toHex } from '../bytes.ts'
import { HASH_SIZE, provenNode } from '../merkle/index.ts'
import type { MetaVersion } from '../metainfo/index.ts'
import { makeData } from './test-support/make-torrent.ts'
import { proofHashCount } from '../wire/hash-messages.ts'
import { RawPeer } from './test-support/raw-peer.ts'
import { peerIdFor, Swarm } from './test-support/swarm.ts'
import { CorruptStore, pieceSpace, v2TorrentOf } from './test-support/v2-torrent.ts'

// BEP 52 hash messages in the engine: piece layers fetched from peers when a magnet (or a .torrent
// without them) lacks them, proofs checked against the file's root; our trees served to peers; a
// failed piece's leaves fetched so a corrupt block names its sender, banned on that one block.

const FILES = [
  { path: ['t', 'big.bin'], data: makeData(700_000, 61) }, // 22 pieces of 32 KiB: a piece layer
  { path: ['t', 'copy.bin'], data: makeData(700_000, 61) }, // the same content: the same root and layer
  { path: ['t', 'mid.bin'], data: makeData(100_000, 62) }, // 4 pieces
  { path: ['t', 'small.txt'], data: makeData(3000, 63) }, // one piece: its root is its hash
]
const PIECE = 32768

async function setup(metaVersion: MetaVersion) {
  const meta = await v2TorrentOf(FILES, PIECE, metaVersion)
  return { meta, space: pieceSpace(meta, FILES) }
}

describe('BEP 52 hash exchange', () => {
  it.each([
    [2, 'v2'],
    ['hybrid', 'hybrid'],
    ['hybrid', 'v2'],
  ] as const)('a %s torrent from a %s magnet: the info dict, then the piece layers, then the pieces', async (version, magnet) => {
    const { meta, space } = await setup(version)
    const swarm = new Swarm(meta)
    await swarm.add('seed', { seed: space })
    const leech = await swarm.add('leech', { magnet })
    const events: string[] = []
    leech.torrent.on((e) => events.push(e.type))
    // The leecher dials: from a v2 magnet it knows only the v2 id, which the hybrid seed answers to.
    swarm.connect('leech', 'seed')
    await swarm.run(() => leech.torrent.isDone())
    expect(bytesEqual(leech.store.contents(meta.length), space)).toBe(true)
    const st = leech.torrent.stats()
    // Two layers (big/copy share one root): two requests answered; nothing failed.
    expect(st.hashes).toMatchObject({ requested: 2, received: 2, rejected: 0, layersComplete: true })
    expect(st.hashFailures).toBe(0)
    expect(st.peers[0]!.v2).toBe(true)
    expect(events.filter((e) => e === 'pieceLayers')).toHaveLength(1)
    const layers = leech.torrent.pieceLayers()!
    expect([...layers.keys()].sort()).toEqual([...meta.pieceLayers.keys()].sort())
    for (const [root, layer] of meta.pieceLayers) expect(bytesEqual(layers.get(root)!, layer)).toBe(true)
    expect(swarm.node('seed').torrent.stats().hashes).toMatchObject({ served: 2, refused: 0 })
    swarm.destroy()
  })

  it('a .torrent without piece layers gets them from peers (libtorrent accepts such files)', async () => {
    const { meta, space } = await setup(2)
    const swarm = new Swarm(meta)
    await swarm.add('seed', { seed: space })
    const leech = await swarm.add('leech', { meta: { ...meta, pieceLayers: new Map() } })
    swarm.connect('seed', 'leech')
    await swarm.run(() => leech.torrent.isDone())
    expect(bytesEqual(leech.store.contents(meta.length), space)).toBe(true)
    expect(leech.torrent.stats().hashes?.received).toBe(2)
  })

  it('one corrupt block among honest senders: its leaves name the sender, banned on that block alone', async () => {
    const { meta, space } = await setup(2)
    const swarm = new Swarm(meta, { latencyMs: 20, bytesPerSecond: 300_000 })
    let served = 0
    // Corrupts the first block it serves, nothing else.
    const liar = new CorruptStore(space, PIECE, () => served++ === 0)
    await swarm.add('liar', { store: liar })
    for (const name of ['a', 'b', 'c']) await swarm.add(name, { seed: space })
    const leech = await swarm.add('leech')
    for (const name of ['liar', 'a', 'b', 'c']) swarm.connect(name, 'leech')
    await swarm.run(() => leech.torrent.isDone())
    expect(bytesEqual(leech.store.contents(meta.length), space)).toBe(true)
    const st = leech.torrent.stats()
    expect(st.hashFailures).toBe(1)
    expect(st.banned).toBe(1)
    expect(st.closedPeers.map((p) => p.peerId)).toEqual([toHex(peerIdFor('liar'))])
    expect(st.closedPeers[0]!.reason).toMatch(/banned/)
    // The leaves came from an honest peer.
    expect(st.hashes).toMatchObject({ received: 1 })
  })

  it('the same corrupt block in a v1 torrent is only a shared failure: nobody is banned', async () => {
    const { space } = await setup(2)
    const v1 = await v2TorrentOf(FILES, PIECE, 1)
    const v1Space = pieceSpace(v1, FILES)
    expect(v1Space.length).toBeLessThan(space.length) // no padding: just to be sure it is a v1 layout
    const swarm = new Swarm(v1, { latencyMs: 20, bytesPerSecond: 300_000 })
    let served = 0
    await swarm.add('liar', { store: new CorruptStore(v1Space, PIECE, () => served++ === 0) })
    for (const name of ['a', 'b', 'c']) await swarm.add(name, { seed: v1Space })
    const leech = await swarm.add('leech')
    for (const name of ['liar', 'a', 'b', 'c']) swarm.connect(name, 'leech')
    await swarm.run(() => leech.torrent.isDone())
    expect(leech.torrent.stats()).toMatchObject({ hashFailures: 1, banned: 0, hashes: null })
  })

  it('serves layers and leaves with proofs that lead to the root; refuses what does not fit', async () => {
    const { meta, space } = await setup(2)
    const swarm = new Swarm(meta)
    await swarm.add('seed', { seed: space })
    const peer = new RawPeer(swarm.attach('seed'), meta.infoHash, peerIdFor('asker'))
    peer.send({ type: 'haveNone' })
    const big = meta.files.find((f) => f.path.join('/') === 'big.bin')!
    const root = big.piecesRoot!
    const layer = meta.pieceLayers.get(toHex(root))!
    // 700,000 bytes: 43 blocks, 64 leaves (height 6); pieces of 2 blocks: the piece layer is level 1.
    const asks = [
      { piecesRoot: root, baseLayer: 1, index: 0, length: 32, proofLayers: 4 }, // the whole layer, no uncles
      { piecesRoot: root, baseLayer: 1, index: 8, length: 8, proofLayers: 4 }, // a chunk, two uncles
      { piecesRoot: root, baseLayer: 0, index: 6, length: 2, proofLayers: 5 }, // piece 3's leaves, up to the root
      { piecesRoot: root, baseLayer: 0, index: 5, length: 2, proofLayers: 1 }, // not aligned: refused
      { piecesRoot: root, baseLayer: 1, index: 30, length: 4, proofLayers: 1 }, // past the layer: refused
      { piecesRoot: new Uint8Array(32), baseLayer: 0, index: 0, length: 2, proofLayers: 0 }, // no such file
    ]
    peer.send(...asks.map((a) => ({ type: 'hashRequest' as const, ...a })))
    await swarm.run(() => peer.count('hashes') + peer.count('hashReject') === asks.length)
    const answers = peer.events.flatMap((e) => (e.type === 'hashes' ? [e] : []))
    expect(answers.map((a) => a.index)).toEqual([0, 8, 6])
    for (const a of answers) {
      const base = a.hashes.subarray(0, a.length * HASH_SIZE)
      expect(toHex(provenNode(a, base, a.hashes.subarray(a.length * HASH_SIZE)).hash)).toBe(toHex(root))
    }
    // The layer as the .torrent has it, then the pad hashes of the level up to 32 entries.
    expect(toHex(answers[0]!.hashes.subarray(0, layer.length))).toBe(toHex(layer))
    expect(peer.events.filter((e) => e.type === 'hashReject').map((e) => (e.type === 'hashReject' ? e.index : -1))).toEqual([5, 30, 0])
    expect(peer.closed).toBe(false)
  })

  it('closes a peer that sends hash messages on a v1 connection, or hashes that do not prove out', async () => {
    const { meta, space } = await setup('hybrid')
    const swarm = new Swarm(meta)
    await swarm.add('seed', { seed: space })
    const root = meta.files[0]!.piecesRoot!
    const request = { piecesRoot: root, baseLayer: 1, index: 0, length: 32, proofLayers: 4 }
    // The v1 hash without the upgrade bit: a v1 connection.
    const v1 = new RawPeer(swarm.attach('seed'), meta.infoHash, peerIdFor('v1'))
    v1.send({ type: 'hashRequest', ...request })
    await swarm.run(() => v1.closed, 10_000)
    expect(swarm.node('seed').torrent.stats().closedPeers[0]!.reason).toMatch(/not v2/)

    // A leecher without the layers asks the only v2 peer it has, which answers with garbage: dropped.
    const leech = await swarm.add('leech', { meta: { ...meta, pieceLayers: new Map() } })
    const liar = new RawPeer(swarm.attach('leech'), meta.infoHashV2!.slice(0, 20), peerIdFor('liar'))
    liar.send({ type: 'haveAll' })
    await swarm.run(() => liar.count('hashRequest') > 0, 10_000)
    const asked = liar.events.find((e) => e.type === 'hashRequest')!
    if (asked.type !== 'hashRequest') throw new Error('unreachable')
    const { type: _type, ...r } = asked
    liar.send({ type: 'hashes', ...r, hashes: new Uint8Array((r.length + proofHashCount(r.length, r.proofLayers)) * HASH_SIZE).fill(7) })
    await swarm.run(() => liar.closed, 10_000)
    expect(leech.torrent.stats().closedPeers.find((p) => p.peerId === toHex(peerIdFor('liar')))?.reason).toMatch(/prove/)
    // An honest seed gives it the layers and the pieces.
    swarm.connect('seed', 'leech')
    await swarm.run(() => leech.torrent.isDone())
    expect(bytesEqual(leech.store.contents(meta.length), space)).toBe(true)
  })
})
