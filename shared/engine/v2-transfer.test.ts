import { describe, expect, it } from 'vitest'
import { bytesEqual, toHex } from '../bytes.ts'
import { createTorrent } from '../metainfo/index.ts'
import type { Metainfo, MetaVersion } from '../metainfo/index.ts'
import { MemoryStore } from './adapters/memory-store.ts'
import { makeData } from './test-support/make-torrent.ts'
import { nodeHasher } from './test-support/node-hasher.ts'
import { peerIdFor, Swarm } from './test-support/swarm.ts'

// BEP 52 in the engine: v2-only pieces verified by the SHA-256 merkle roots of their 16 KiB blocks,
// hybrid pieces by both hashes; a peer sending a corrupt block is caught by SHA-256 and banned.

const FILES = [
  { path: ['v2', 'big.bin'], data: makeData(300_000, 51) }, // 10 pieces of 32 KiB, a piece layer
  { path: ['v2', 'small.txt'], data: makeData(1000, 52) }, // one piece: checked against its root
  { path: ['v2', 'zero.bin'], data: new Uint8Array(0) },
]

async function torrentOf(metaVersion: MetaVersion): Promise<Metainfo> {
  const inputs = FILES.map((f) => ({ path: f.path, length: f.data.length, async *stream() { yield f.data } }))
  return (await createTorrent(inputs, { pieceLength: 32768, metaVersion, creationDate: null })).metainfo
}

/** The torrent's whole piece space: the files in order, zeros for the padding between them. */
function pieceSpace(m: Metainfo): Uint8Array {
  const out = new Uint8Array(m.length)
  for (const f of m.files) {
    if (f.padding) continue
    out.set(FILES.find((x) => x.path.slice(1).join('/') === f.path.join('/'))!.data, f.offset)
  }
  return out
}

/** Serves every block with one byte flipped. */
class CorruptStore extends MemoryStore {
  override async read(index: number, begin: number, length: number): Promise<Uint8Array> {
    const block = (await super.read(index, begin, length)).slice()
    block[0]! ^= 0xff
    return block
  }
}

describe('v2 and hybrid torrents in the engine (BEP 52)', () => {
  it.each([2, 'hybrid'] as const)('%s: a leecher gets the exact bytes from a seeder, verified by SHA-256', async (metaVersion) => {
    const meta = await torrentOf(metaVersion)
    expect(meta.metaVersion).toBe(metaVersion)
    const space = pieceSpace(meta)
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
    swarm.destroy()
  })

  it('v2: a peer serving corrupt blocks fails SHA-256 and is banned; the download completes from an honest one', async () => {
    const meta = await torrentOf(2)
    const space = pieceSpace(meta)
    const swarm = new Swarm(meta, { latencyMs: 20, bytesPerSecond: 400_000 })
    await swarm.add('seed', { seed: space })
    await swarm.add('corrupt', { store: Object.assign(new CorruptStore(meta.pieceLength), { pieces: MemoryStore.seeded(space, meta.pieceLength).pieces }) })
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

  it('v2 without piece layers: pieces of files larger than a piece are not requested until their layer is known', async () => {
    const meta = await torrentOf(2)
    const space = pieceSpace(meta)
    const swarm = new Swarm({ ...meta, pieceLayers: new Map() })
    await swarm.add('seed', { seed: space })
    const leech = await swarm.add('leech')
    swarm.connect('seed', 'leech')
    // small.txt's piece is checkable against its root; big.bin's ten pieces wait for their layer.
    await swarm.run(() => leech.torrent.stats().verifiedPieces === 1, 60_000)
    const until = swarm.clock.now() + 5_000
    await swarm.run(() => swarm.clock.now() >= until, 120_000)
    expect(leech.torrent.stats().verifiedPieces).toBe(1)
    expect(leech.torrent.isDone()).toBe(false)
    swarm.destroy()
  })
})
