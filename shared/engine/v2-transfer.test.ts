import { describe, expect, it } from 'vitest'
import { bytesEqual, toHex } from '../bytes.ts'
import type { MetaVersion } from '../metainfo/index.ts'
import { makeData } from './test-support/make-torrent.ts'
import { nodeHasher } from './test-support/node-hasher.ts'
import { peerIdFor, Swarm } from './test-support/swarm.ts'
import { CorruptStore, pieceSpace, v2TorrentOf } from './test-support/v2-torrent.ts'

// BEP 52 in the engine: v2-only pieces verified by the SHA-256 merkle roots of their 16 KiB blocks,
// hybrid pieces by both hashes; a peer sending a corrupt block is caught by SHA-256 and banned.

const FILES = [
  { path: ['v2', 'big.bin'], data: makeData(300_000, 51) }, // 10 pieces of 32 KiB, a piece layer
  { path: ['v2', 'small.txt'], data: makeData(1000, 52) }, // one piece: checked against its root
  { path: ['v2', 'zero.bin'], data: new Uint8Array(0) },
]

const torrentOf = (metaVersion: MetaVersion) => v2TorrentOf(FILES, 32768, metaVersion)

describe('v2 and hybrid torrents in the engine (BEP 52)', () => {
  it.each([2, 'hybrid'] as const)('%s: a leecher gets the exact bytes from a seeder, verified by SHA-256', async (metaVersion) => {
    const meta = await torrentOf(metaVersion)
    expect(meta.metaVersion).toBe(metaVersion)
    const space = pieceSpace(meta, FILES)
    const swarm = new Swarm(meta)
    await swarm.add('seed', { seed: space })
    let sha256Calls = 0
    const counting = { ...nodeHasher, sha256: (d: Uint8Array) => (sha256Calls++, nodeHasher.sha256(d)) }
    const leech = await swarm.add('leech', { hasher: counting })
    swarm.connect('seed', 'leech')
    await swarm.run(() => leech.torrent.isDone())
    expect(bytesEqual(leech.store.contents(meta.length), space)).toBe(true)
    // One SHA-256 per 16 KiB block of file data, none for padding.
    expect(sha256Calls).toBe(Math.ceil(300_000 / 16384) + 1)
    expect(leech.torrent.stats().hashFailures).toBe(0)
    // The dialled side of a hybrid answered the upgrade: the connection is v2 on both ends.
    expect(leech.torrent.stats().peers.map((p) => p.v2)).toEqual([true])
    swarm.destroy()
  })

  it('v2: a peer serving corrupt blocks fails SHA-256 and is banned; the download completes from an honest one', async () => {
    const meta = await torrentOf(2)
    const space = pieceSpace(meta, FILES)
    const swarm = new Swarm(meta, { latencyMs: 20, bytesPerSecond: 400_000 })
    await swarm.add('seed', { seed: space })
    await swarm.add('corrupt', { store: new CorruptStore(space, meta.pieceLength) })
    const leech = await swarm.add('leech')
    swarm.connect('corrupt', 'leech')
    swarm.connect('seed', 'leech')
    await swarm.run(() => leech.torrent.isDone(), 300_000)
    expect(bytesEqual(leech.store.contents(meta.length), space)).toBe(true)
    const st = leech.torrent.stats()
    expect(st.banned).toBe(1)
    expect(st.hashFailures).toBeGreaterThan(0)
    expect(st.closedPeers.find((p) => p.peerId === toHex(peerIdFor('corrupt')))?.reason).toMatch(/banned/)
    swarm.destroy()
  })
})
