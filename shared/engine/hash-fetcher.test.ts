import { describe, expect, it } from 'vitest'
import { bytesEqual, toHex } from '../bytes.ts'
import { HASH_SIZE, fileTreeShape, rootFromPieceLayer, sha256Sync } from '../merkle/index.ts'
import type { Message } from '../wire/messages.ts'
import { MemoryStore } from './adapters/memory-store.ts'
import { HashFetcher, type HashPeer } from './hash-fetcher.ts'
import { HashServer } from './hash-server.ts'
import { defaultLimits } from './limits.ts'
import { nodeHasher } from './test-support/node-hasher.ts'
import type { Clock } from './ports.ts'
import type { TorrentMeta } from './torrent-meta.ts'
import { LAYER_CHUNK, V2Hashes } from './v2-hashes.ts'

// Piece layers larger than one request (BEP 52: 512 hashes at most), fetched chunk by chunk from a
// server over a synthetic file (no data needed above the piece level): 1100 pieces in three chunks
// (512, 512, 76 asked as 128), and 513 pieces, whose second chunk is one hash (asked as two).

const PIECE = 32768

function fileOf(pieces: number) {
  const length = pieces * PIECE - 1000
  const layer = new Uint8Array(pieces * HASH_SIZE)
  for (let i = 0; i < pieces; i++) layer.set(sha256Sync(new Uint8Array([i & 255, i >> 8, pieces & 255])), i * HASH_SIZE)
  const root = rootFromPieceLayer(layer, fileTreeShape(length, PIECE))
  const meta: TorrentMeta = {
    infoHash: new Uint8Array(20),
    length: pieces * PIECE,
    pieceLength: PIECE,
    pieceCount: pieces,
    pieceHashes: new Uint8Array(0),
    infoBytes: new Uint8Array(0),
    metaVersion: 2,
    files: [{ length, offset: 0, piecesRoot: root }, { length: 1000, offset: length, padding: true }],
    pieceLayers: new Map([[toHex(root), layer]]),
  }
  return { meta, layer }
}

/** The fetcher reads only the time. */
function clockAt(t: number): Clock {
  const never = (): never => {
    throw new Error('no timers here')
  }
  return { now: () => t, setTimeout: never, clearTimeout: never, setInterval: never, clearInterval: never }
}

class FakePeer implements HashPeer {
  readonly sent: Message[] = []
  readonly ready = true
  readonly v2 = true
  readonly state = { pieces: { has: () => true } }
  constructor(readonly id: number) {}
  send(m: Message): void {
    this.sent.push(m)
  }
}

describe('fetching piece layers in chunks', () => {
  it.each([1100, 513])('%i pieces: every chunk asked, proven against the root, and the layer rebuilt', async (pieces) => {
    const { meta, layer } = fileOf(pieces)
    const server = new HashServer(new V2Hashes(meta), new MemoryStore(PIECE), nodeHasher, () => false)
    const ours = new V2Hashes({ ...meta, pieceLayers: new Map() })
    const known: number[] = []
    const fetcher = new HashFetcher(ours, defaultLimits, clockAt(0), { layerPieces: (p) => known.push(...p), leaves: () => {} })
    const peer = new FakePeer(1)
    const lengths: number[] = []
    for (let round = 0; round < 10 && !ours.layersComplete(); round++) {
      fetcher.fill(peer)
      for (const m of peer.sent.splice(0)) {
        if (m.type !== 'hashRequest') continue
        lengths.push(m.length)
        const hashes = await server.answer(m)
        expect(hashes).not.toBeNull()
        expect(fetcher.answer(peer, { ...m, hashes: hashes! })).toBe('ok')
      }
    }
    expect(ours.layersComplete()).toBe(true)
    expect(bytesEqual(ours.completeLayers().get(toHex(meta.files![0]!.piecesRoot!))!, layer)).toBe(true)
    expect(lengths).toEqual(pieces === 1100 ? [512, 512, 128] : [512, 2])
    expect(new Set(known).size).toBe(pieces)
    expect(Math.ceil(pieces / LAYER_CHUNK)).toBe(lengths.length)
  })

  it('a tampered hash in a chunk fails the proof; a reject or a timeout sends the chunk to another peer', async () => {
    const { meta } = fileOf(1100)
    const server = new HashServer(new V2Hashes(meta), new MemoryStore(PIECE), nodeHasher, () => false)
    const time = { now: 0 }
    const clock = { ...clockAt(0), now: () => time.now }
    const fetcher = new HashFetcher(new V2Hashes({ ...meta, pieceLayers: new Map() }), defaultLimits, clock, { layerPieces: () => {}, leaves: () => {} })
    const [a, b, c] = [new FakePeer(1), new FakePeer(2), new FakePeer(3)]
    fetcher.fill(a)
    const [first, second] = a.sent.filter((m) => m.type === 'hashRequest')
    expect(a.sent).toHaveLength(defaultLimits.maxHashRequestsPerPeer)
    if (first?.type !== 'hashRequest' || second?.type !== 'hashRequest') throw new Error('two requests expected')
    const hashes = (await server.answer(first))!.slice()
    hashes[100]! ^= 1
    expect(fetcher.answer(a, { ...first, hashes })).toBe('bad')
    expect(fetcher.answer(a, { ...first, hashes })).toBe('unsolicited')
    fetcher.rejected(a, second)
    fetcher.fill(b)
    // b gets what a failed and refused, before the third chunk nobody was asked.
    expect(b.sent.map((m) => (m.type === 'hashRequest' ? m.index : -1))).toEqual([0, 512])
    time.now += defaultLimits.hashRequestTimeoutMs
    fetcher.tick(clock.now())
    fetcher.fill(c)
    expect(c.sent.map((m) => (m.type === 'hashRequest' ? m.index : -1))).toEqual([0, 512])
    expect(fetcher.counts).toMatchObject({ rejected: 1, timedOut: 2 })
  })
})
