import { describe, expect, it } from 'vitest'
import { bytesEqual, toHex } from '../bytes.ts'
import { MemoryStore } from './adapters/memory-store.ts'
import { BLOCK_SIZE } from './limits.ts'
import { makeData, makeTorrent } from './test-support/make-torrent.ts'
import type { Hasher } from './ports.ts'
import { nodeHasher } from './test-support/node-hasher.ts'
import { malformedMessages } from './test-support/hostile-messages.ts'
import { RawPeer } from './test-support/raw-peer.ts'
import { peerIdFor, Swarm } from './test-support/swarm.ts'
import type { TorrentMeta } from './torrent-meta.ts'

/** Serves every block with one byte flipped. */
class CorruptStore extends MemoryStore {
  override async read(index: number, begin: number, length: number): Promise<Uint8Array> {
    const block = (await super.read(index, begin, length)).slice()
    block[0]! ^= 0xff
    return block
  }
}

// 25 pieces: the bitfield has spare bits.
const DATA = makeData(800 * 1024, 41)
let meta: TorrentMeta

async function honestSwarm(): Promise<Swarm> {
  meta ??= await makeTorrent([{ name: 'h.bin', data: DATA }], 32768)
  const swarm = new Swarm(meta, { latencyMs: 20, bytesPerSecond: 400_000 })
  await swarm.add('seed', { seed: DATA })
  await swarm.add('leech')
  return swarm
}

/** Runs to completion while watching that no queue or buffer of the leecher grows past its limit. */
async function runWatched(swarm: Swarm): Promise<{ maxIncoming: number; maxBuffered: number }> {
  const leech = swarm.node('leech')
  let maxIncoming = 0
  let maxBuffered = 0
  await swarm.run(() => {
    const st = leech.torrent.stats()
    for (const p of st.peers) maxIncoming = Math.max(maxIncoming, p.queuedRequests)
    maxBuffered = Math.max(maxBuffered, st.piecesInFlight)
    return leech.torrent.isDone()
  }, 300_000)
  expect(bytesEqual(leech.store.contents(meta.length), DATA)).toBe(true)
  expect(maxIncoming).toBeLessThanOrEqual(leech.torrent.limits.maxPeerRequestQueue)
  expect(maxBuffered).toBeLessThanOrEqual(leech.torrent.limits.maxPiecesInFlight)
  return { maxIncoming, maxBuffered }
}

function closeReason(swarm: Swarm, peer: string): string | undefined {
  const id = toHex(peerIdFor(peer))
  return swarm.node('leech').torrent.stats().closedPeers.find((p) => p.peerId === id)?.reason
}

describe('hostile peers', () => {
  it('a peer sending corrupt blocks is banned and the download still completes correctly', async () => {
    const swarm = await honestSwarm()
    await swarm.add('corrupt', { store: Object.assign(new CorruptStore(meta.pieceLength), { pieces: MemoryStore.seeded(DATA, meta.pieceLength).pieces }) })
    swarm.connect('corrupt', 'leech')
    swarm.connect('seed', 'leech')
    await runWatched(swarm)
    const leech = swarm.node('leech').torrent.stats()
    expect(leech.banned).toBe(1)
    expect(leech.hashFailures).toBeGreaterThan(0)
    expect(closeReason(swarm, 'corrupt')).toMatch(/banned/)
    expect(closeReason(swarm, 'seed')).toBeUndefined()
  })

  it('a peer that sends a bad piece and disconnects before the check is still blamed, and banned the second time', async () => {
    meta ??= await makeTorrent([{ name: 'h.bin', data: DATA }], 32768)
    const swarm = new Swarm(meta, { latencyMs: 20, bytesPerSecond: 400_000 })
    // Each check takes 2 s of virtual time: the sender has hung up long before its piece is checked.
    const slowHasher: Hasher = { ...nodeHasher, sha1: (d) => new Promise<void>((ok) => swarm.clock.setTimeout(ok, 2000)).then(() => nodeHasher.sha1(d)) }
    const leech = await swarm.add('leech', { hasher: slowHasher })
    await swarm.add('seed', { seed: DATA })
    const blocksPerPiece = meta.pieceLength / BLOCK_SIZE
    let sent = 0
    for (const round of [1, 2]) {
      const evil = new RawPeer(swarm.attach('leech'), meta.infoHash, peerIdFor('evil'))
      evil.send({ type: 'haveAll' }, { type: 'unchoke' })
      // Answer every request with garbage until one whole piece came from us alone.
      const answered = new Map<number, number>()
      let seen = 0
      await swarm.run(() => {
        const requests = evil.events.filter((e) => e.type === 'request')
        for (; seen < requests.length; seen++) {
          const r = requests[seen]!
          if (r.type !== 'request') continue
          evil.send({ type: 'piece', index: r.index, begin: r.begin, block: new Uint8Array(r.length).fill(0xab) })
          answered.set(r.index, (answered.get(r.index) ?? 0) + 1)
          sent += r.length
        }
        return [...answered.values()].some((n) => n >= blocksPerPiece)
      })
      // Once the leecher has the blocks, hang up: its check of the piece is still running.
      await swarm.run(() => leech.torrent.stats().downloaded >= sent)
      expect(leech.torrent.stats().hashFailures).toBe(round - 1)
      evil.transport.close()
      await swarm.run(() => leech.torrent.stats().peers.length === 0)
      expect(leech.torrent.stats().hashFailures).toBe(round - 1)
      await swarm.run(() => leech.torrent.stats().hashFailures >= round)
    }
    // Two failed pieces it alone sent, both checked after it left: banned, so it cannot come back.
    expect(leech.torrent.stats().banned).toBe(1)
    const again = new RawPeer(swarm.attach('leech'), meta.infoHash, peerIdFor('evil'))
    await swarm.run(() => again.closed)
    expect(leech.torrent.stats().closedPeers.at(-1)?.reason).toBe('refused')
    swarm.connect('seed', 'leech')
    await runWatched(swarm)
  })

  it('a peer sending unrequested pieces is dropped', async () => {
    const swarm = await honestSwarm()
    const evil = new RawPeer(swarm.attach('leech'), meta.infoHash, peerIdFor('evil'))
    evil.send({ type: 'haveAll' }, { type: 'unchoke' })
    for (let i = 0; i < 20; i++) evil.send({ type: 'piece', index: i, begin: 0, block: new Uint8Array(BLOCK_SIZE) })
    swarm.connect('seed', 'leech')
    await runWatched(swarm)
    expect(closeReason(swarm, 'evil')).toMatch(/unrequested/)
  })

  it.each(malformedMessages(25))('%s closes that peer, nothing else', async (_name, act, reason) => {
    const swarm = await honestSwarm()
    const evil = new RawPeer(swarm.attach('leech'), meta.infoHash, peerIdFor('evil'))
    act(evil)
    swarm.connect('seed', 'leech')
    await runWatched(swarm)
    expect(closeReason(swarm, 'evil')).toMatch(reason)
  })

  it('requests for pieces we never said we have, or off block boundaries, are rejected, then the peer dropped', async () => {
    const swarm = await honestSwarm()
    const evil = new RawPeer(swarm.attach('leech'), meta.infoHash, peerIdFor('evil'))
    evil.send({ type: 'haveNone' }, { type: 'interested' })
    for (let i = 0; i < 10; i++) evil.send({ type: 'request', index: 0, begin: 5, length: 100 })
    for (let i = 0; i < 50; i++) evil.send({ type: 'request', index: i % meta.pieceCount, begin: 0, length: BLOCK_SIZE })
    swarm.connect('seed', 'leech')
    await runWatched(swarm)
    expect(evil.count('reject')).toBeGreaterThan(0)
    expect(evil.count('piece')).toBe(0)
    expect(closeReason(swarm, 'evil')).toMatch(/bad requests/)
  })

  it('a request flood is bounded: the queue never passes its limit and the flooder is dropped', async () => {
    const swarm = await honestSwarm()
    swarm.connect('seed', 'leech')
    // Let the leecher get everything first so the flooder's requests are valid.
    await swarm.run(() => swarm.node('leech').torrent.isDone())
    // A slow link: the leecher cannot answer as fast as the requests come, so they pile up.
    const evil = new RawPeer(swarm.attach('leech', { latencyMs: 5, bytesPerSecond: 50_000 }), meta.infoHash, peerIdFor('evil'))
    evil.send({ type: 'haveNone' }, { type: 'interested' })
    let maxQueue = 0
    await swarm.run(() => {
      for (const p of swarm.node('leech').torrent.stats().peers) maxQueue = Math.max(maxQueue, p.queuedRequests)
      if (!evil.closed) {
        for (let i = 0; i < 20; i++) evil.send({ type: 'request', index: i % meta.pieceCount, begin: 0, length: BLOCK_SIZE })
      }
      return evil.closed
    }, 120_000)
    expect(maxQueue).toBeLessThanOrEqual(swarm.node('leech').torrent.limits.maxPeerRequestQueue)
    expect(closeReason(swarm, 'evil')).toMatch(/bad requests|flood/)
  })

  it('a peer that lies about having pieces and never answers does not stall the download', async () => {
    const swarm = await honestSwarm()
    const liar = new RawPeer(swarm.attach('leech'), meta.infoHash, peerIdFor('liar'))
    liar.send({ type: 'haveAll' }, { type: 'unchoke' })
    swarm.connect('seed', 'leech')
    const t = await swarm.run(() => swarm.node('leech').torrent.isDone(), 300_000)
    expect(bytesEqual(swarm.node('leech').store.contents(meta.length), DATA)).toBe(true)
    expect(liar.count('request')).toBeGreaterThan(0)
    // The liar's requests time out (30 s) and go to the honest seeder.
    expect(t).toBeLessThan(120_000)
  })

  it('a peer that rejects every request does not stall the download', async () => {
    const swarm = await honestSwarm()
    const liar = new RawPeer(swarm.attach('leech'), meta.infoHash, peerIdFor('liar'))
    liar.send({ type: 'haveAll' }, { type: 'unchoke' })
    swarm.connect('seed', 'leech')
    let answered = 0
    await swarm.run(() => {
      const reqs = liar.events.filter((e) => e.type === 'request')
      for (; answered < reqs.length; answered++) {
        const r = reqs[answered]!
        if (r.type === 'request') liar.send({ type: 'reject', index: r.index, begin: r.begin, length: r.length })
      }
      return swarm.node('leech').torrent.isDone()
    }, 300_000)
    expect(bytesEqual(swarm.node('leech').store.contents(meta.length), DATA)).toBe(true)
  })
})

describe('local failures', () => {
  it('a store that fails a write reports an error and the piece is fetched again', async () => {
    meta ??= await makeTorrent([{ name: 'h.bin', data: DATA }], 32768)
    class FlakyStore extends MemoryStore {
      failures = 0
      override async write(index: number, data: Uint8Array): Promise<void> {
        if (index === 3 && this.failures++ === 0) throw new Error('disk full')
        return super.write(index, data)
      }
    }
    const swarm = new Swarm(meta, { latencyMs: 20, bytesPerSecond: 400_000 })
    await swarm.add('seed', { seed: DATA })
    const store = new FlakyStore(meta.pieceLength)
    const leech = await swarm.add('leech', { store })
    const errors: string[] = []
    leech.torrent.on((e) => e.type === 'error' && errors.push(e.message))
    swarm.connect('seed', 'leech')
    await swarm.run(() => leech.torrent.isDone())
    expect(errors).toEqual(['piece 3: disk full'])
    expect(bytesEqual(store.contents(meta.length), DATA)).toBe(true)
  })
})

describe('a peer that never reads', () => {
  it('is dropped once our transport to it stays blocked, so its buffer cannot grow without end', async () => {
    const swarm = await honestSwarm()
    swarm.connect('seed', 'leech')
    await swarm.run(() => swarm.node('leech').torrent.isDone())
    // 100 B/s toward the peer: what we write to it piles up unread.
    const end = swarm.attach('leech', { latencyMs: 5, bytesPerSecond: 100, highWaterMark: 64 * 1024 })
    const evil = new RawPeer(end, meta.infoHash, peerIdFor('deaf'))
    evil.send({ type: 'haveNone' }, { type: 'interested' })
    for (let i = 0; i < 100; i++) evil.send({ type: 'request', index: i % meta.pieceCount, begin: 0, length: BLOCK_SIZE })
    const deaf = toHex(peerIdFor('deaf'))
    await swarm.run(() => evil.closed || closeReason(swarm, 'deaf') !== undefined, 600_000)
    expect(swarm.node('leech').torrent.stats().peers.some((p) => p.peerId === deaf)).toBe(false)
    expect(closeReason(swarm, 'deaf')).toMatch(/stopped reading/)
  })
})
