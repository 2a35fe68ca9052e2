// Interop at the wire level with WebTorrent's own implementation (the bittorrent-protocol package):
// handshake with extension and fast bits, BEP 10 extended handshake, BEP 9 metadata and pieces, in
// both directions, over an in-memory stream.
import bencode from 'bencode'
import Protocol from 'bittorrent-protocol'
import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { bytesEqual, concatBytes } from '../bytes.ts'
import { MemoryStore } from './adapters/memory-store.ts'
import { BLOCK_SIZE } from './limits.ts'
import { makeData, makeTorrent } from './test-support/make-torrent.ts'
import { duplexTransport, realClock } from './test-support/node-adapters.ts'
import { nodeHasher } from './test-support/node-hasher.ts'
import { peerIdFor } from './test-support/swarm.ts'
import { Torrent } from './torrent.ts'
import type { TorrentMeta } from './torrent-meta.ts'

type Wire = InstanceType<typeof Protocol>

const METADATA_PIECE = 16384

/** ut_metadata written by hand on the Wire's extension API (the ut_metadata package is not installed). */
function metadataExtension(onMessage: (msg: Record<string, unknown>, trailer: Uint8Array) => void) {
  return class UtMetadata {
    constructor(readonly wire: Wire) {}
    onMessage(buf: Uint8Array): void {
      // BEP 9: a bencoded dict, then (for data) the raw piece. The dict ends at the first "ee".
      const text = Buffer.from(buf).toString('latin1')
      const end = text.indexOf('ee') + 2
      onMessage(bencode.decode(buf.subarray(0, end)) as Record<string, unknown>, buf.subarray(end))
    }
  }
}

function withName<T extends { prototype: object }>(cls: T): T {
  ;(cls.prototype as { name: string }).name = 'ut_metadata'
  return cls
}

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex')
}

async function until(check: () => boolean, ms = 10_000): Promise<void> {
  const start = Date.now()
  while (!check()) {
    if (Date.now() - start > ms) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 5))
  }
}

let meta: TorrentMeta
const DATA = makeData(20 * 16384 + 1000, 71)
async function torrentMeta(): Promise<TorrentMeta> {
  // 16 KiB pieces, 21 of them: the info dict is small (one metadata piece) and the last piece is short.
  meta ??= await makeTorrent([{ name: 'interop.bin', data: DATA }], 16384)
  return meta
}

describe('interop with bittorrent-protocol (WebTorrent wire)', () => {
  it('the Wire leeches from our engine: handshake, extended handshake, metadata and every piece', async () => {
    const m = await torrentMeta()
    const ours = await Torrent.open(m, { store: MemoryStore.seeded(DATA, m.pieceLength), hasher: nodeHasher, clock: realClock }, { peerId: peerIdFor('engine') })
    const wire: Wire = new Protocol()
    const metaPieces: Uint8Array[] = []
    const rejected: number[] = []
    wire.use(withName(metadataExtension((msg, trailer) => {
      if (msg.msg_type === 1) metaPieces[msg.piece as number] = new Uint8Array(trailer)
      if (msg.msg_type === 2) rejected.push(msg.piece as number)
    })))
    let haveAll = false
    let unchoked = false
    wire.on('have-all', () => (haveAll = true))
    wire.on('unchoke', () => (unchoked = true))
    ours.addPeer(duplexTransport(wire))
    wire.handshake(hex(m.infoHash), hex(peerIdFor('wire')), { fast: true })

    await until(() => 'm' in (wire.peerExtendedHandshake ?? {}) && haveAll)
    const ext = wire.peerExtendedHandshake as { m: Record<string, number>; metadata_size: number; reqq: number }
    expect(wire.hasFast).toBe(true)
    expect(ext.m.ut_metadata).toBeGreaterThan(0)
    expect(ext.metadata_size).toBe(m.infoBytes.length)
    expect(ext.reqq).toBeGreaterThan(0)

    // BEP 9 from us: request every metadata piece, and one out of range (rejected).
    const count = Math.ceil(ext.metadata_size / METADATA_PIECE)
    for (let p = 0; p <= count; p++) wire.extended('ut_metadata', { msg_type: 0, piece: p })
    await until(() => metaPieces.filter(Boolean).length === count && rejected.includes(count))
    const info = concatBytes(metaPieces)
    expect(hex(createHash('sha1').update(info).digest())).toBe(hex(m.infoHash))

    wire.interested()
    await until(() => unchoked)
    const got = new Uint8Array(m.length)
    let blocks = 0
    let outstanding = 0
    for (let i = 0; i < m.pieceCount; i++) {
      const size = Math.min(m.pieceLength, m.length - i * m.pieceLength)
      for (let b = 0; b < size; b += BLOCK_SIZE) {
        outstanding++
        wire.request(i, b, Math.min(BLOCK_SIZE, size - b), (err: Error | null, block: Uint8Array) => {
          outstanding--
          if (err) throw err
          got.set(block, i * m.pieceLength + b)
          blocks++
        })
      }
    }
    await until(() => outstanding === 0)
    expect(blocks).toBe(m.pieceCount)
    expect(bytesEqual(got, DATA)).toBe(true)
    ours.destroy()
  })

  it('our magnet-only engine leeches from the Wire: fetches metadata over ut_metadata, then every piece', async () => {
    const m = await torrentMeta()
    const store = new MemoryStore(m.pieceLength)
    const ours = await Torrent.open(m.infoHash, { store, hasher: nodeHasher, clock: realClock }, { peerId: peerIdFor('engine') })
    const wire: Wire = new Protocol()
    let served = 0
    wire.use(withName(metadataExtension((msg) => {
      if (msg.msg_type !== 0) return
      const p = msg.piece as number
      const chunk = m.infoBytes.subarray(p * METADATA_PIECE, (p + 1) * METADATA_PIECE)
      wire.extended('ut_metadata', concatBytes([bencode.encode({ msg_type: 1, piece: p, total_size: m.infoBytes.length }), chunk]))
    })))
    wire.extendedHandshake = { metadata_size: m.infoBytes.length }
    wire.on('handshake', () => wire.haveAll())
    wire.on('interested', () => wire.unchoke())
    wire.on('request', (index: number, offset: number, length: number, respond: (e: Error | null, b?: Uint8Array) => void) => {
      served++
      respond(null, DATA.subarray(index * m.pieceLength + offset, index * m.pieceLength + offset + length))
    })
    let gotMetadata = false
    ours.on((e) => e.type === 'metadata' && (gotMetadata = true))
    ours.addPeer(duplexTransport(wire))
    wire.handshake(hex(m.infoHash), hex(peerIdFor('wire')), { fast: true })

    await until(() => ours.isDone())
    expect(gotMetadata).toBe(true)
    expect(bytesEqual(ours.meta!.infoBytes, m.infoBytes)).toBe(true)
    expect(served).toBe(m.pieceCount)
    expect(bytesEqual(store.contents(m.length), DATA)).toBe(true)
    ours.destroy()
  })
})
