import { describe, expect, it } from 'vitest'
import { bytesEqual } from '../bytes.ts'
import { encodeExtendedHandshake } from '../wire/extended.ts'
import { decodeMetadataMessage, encodeMetadataMessage } from '../wire/metadata.ts'
import { LOCAL_METADATA_ID } from './peer-session.ts'
import { makeData, makeTorrent } from './test-support/make-torrent.ts'
import { RawPeer } from './test-support/raw-peer.ts'
import { peerIdFor, Swarm } from './test-support/swarm.ts'
import type { TorrentMeta } from './torrent-meta.ts'

const DATA = makeData(2 * 1024 * 1024, 91)
let meta: TorrentMeta
async function setup() {
  // 2 KiB pieces: 1024 hashes, so the info dict spans two 16 KiB metadata pieces.
  meta ??= await makeTorrent([{ name: 'm.bin', data: DATA }], 2048)
  return new Swarm(meta)
}

/** A peer that offers metadata of `size` bytes and answers every request with `content`'s piece. */
function metadataPeer(swarm: Swarm, name: string, size: number, content: (piece: number) => Uint8Array): RawPeer {
  const p = new RawPeer(swarm.attach('magnet'), meta.infoHash, peerIdFor(name))
  p.send({ type: 'extended', extId: 0, payload: encodeExtendedHandshake({ m: { ut_metadata: 7 }, metadataSize: size }) }, { type: 'haveNone' })
  let answered = 0
  const answer = () => {
    const asks = p.events.filter((e) => e.type === 'extended' && e.extId === 7)
    for (; answered < asks.length; answered++) {
      const e = asks[answered]!
      if (e.type !== 'extended') continue
      const m = decodeMetadataMessage(e.payload)
      if (m?.msgType !== 'request') continue
      p.send({ type: 'extended', extId: LOCAL_METADATA_ID, payload: encodeMetadataMessage({ msgType: 'data', piece: m.piece, totalSize: size, data: content(m.piece) }) })
    }
  }
  ;(p as unknown as { answer: () => void }).answer = answer
  return p
}

describe('metadata exchange (BEP 9)', () => {
  it('serves the info dict in 16 KiB pieces and rejects a piece out of range', async () => {
    const swarm = await setup()
    await swarm.add('seed', { seed: DATA })
    const p = new RawPeer(swarm.attach('seed'), meta.infoHash, peerIdFor('asker'))
    p.send({ type: 'extended', extId: 0, payload: encodeExtendedHandshake({ m: { ut_metadata: 7 } }) })
    for (const piece of [0, 1, 2, -1]) p.send({ type: 'extended', extId: LOCAL_METADATA_ID, payload: encodeMetadataMessage({ msgType: 'request', piece: Math.max(piece, 0) === piece ? piece : 99 }) })
    const got = () => p.events.flatMap((e) => (e.type === 'extended' && e.extId === 7 ? [decodeMetadataMessage(e.payload)] : []))
    await swarm.run(() => got().length === 4)
    const msgs = got()
    const data = msgs.filter((m) => m?.msgType === 'data')
    expect(data).toHaveLength(2)
    const joined = new Uint8Array(meta.infoBytes.length)
    for (const m of data) if (m?.msgType === 'data') joined.set(m.data, m.piece * 16384)
    expect(bytesEqual(joined, meta.infoBytes)).toBe(true)
    expect(msgs.filter((m) => m?.msgType === 'reject').map((m) => m?.piece)).toEqual([2, 99])
  })

  it('a peer serving wrong metadata is found out; the magnet still completes from an honest peer', async () => {
    const swarm = await setup()
    await swarm.add('magnet', { magnet: true })
    const liar = metadataPeer(swarm, 'liar', meta.infoBytes.length, (piece) => new Uint8Array(Math.min(16384, meta.infoBytes.length - piece * 16384)).fill(1))
    await swarm.add('seed', { seed: DATA })
    swarm.connect('seed', 'magnet')
    const magnet = swarm.node('magnet').torrent
    await swarm.run(() => {
      ;(liar as unknown as { answer: () => void }).answer()
      return magnet.isDone()
    })
    expect(bytesEqual(magnet.meta!.infoBytes, meta.infoBytes)).toBe(true)
    expect(bytesEqual(swarm.node('magnet').store.contents(meta.length), DATA)).toBe(true)
    expect(magnet.stats().metadata.failures).toBeGreaterThanOrEqual(1)
  })

  it('ignores an absurd metadata_size and fetches from the peer with a sane one', async () => {
    const swarm = await setup()
    await swarm.add('magnet', { magnet: true })
    const huge = metadataPeer(swarm, 'huge', 1 << 30, () => new Uint8Array(16384))
    await swarm.add('seed', { seed: DATA })
    swarm.connect('seed', 'magnet')
    const magnet = swarm.node('magnet').torrent
    await swarm.run(() => {
      ;(huge as unknown as { answer: () => void }).answer()
      return magnet.meta !== null
    })
    expect(bytesEqual(magnet.meta!.infoBytes, meta.infoBytes)).toBe(true)
    expect(huge.events.filter((e) => e.type === 'extended' && e.extId === 7)).toHaveLength(0)
  })
})
