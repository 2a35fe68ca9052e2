import { describe, expect, it } from 'vitest'
import { bytesEqual } from '../bytes.ts'
import { encodeExtendedHandshake } from '../wire/extended.ts'
import { BLOCK_SIZE } from './limits.ts'
import { makeData, makeTorrent } from './test-support/make-torrent.ts'
import { RawPeer } from './test-support/raw-peer.ts'
import { peerIdFor, Swarm } from './test-support/swarm.ts'
import type { TorrentMeta } from './torrent-meta.ts'

// Larger blocks between peers that advertise them (BEP 10 `swarmdrop_max_block`): fewer messages,
// requests and store reads for the same bytes; 16 KiB with everyone else.

const DATA = makeData(24 * 65536 + 5000, 33)
let meta: TorrentMeta
async function swarm(): Promise<Swarm> {
  meta ??= await makeTorrent([{ name: 'b.bin', data: DATA }], 262144)
  return new Swarm(meta, { latencyMs: 10, bytesPerSecond: 4_000_000 })
}

/** A raw peer that has every piece, unchokes, and records what it is asked for. */
function seedLike(s: Swarm, name: string, maxBlock?: number): RawPeer {
  const p = new RawPeer(s.attach('leech'), meta.infoHash, peerIdFor(name))
  p.send({ type: 'extended', extId: 0, payload: encodeExtendedHandshake({ m: {}, ...(maxBlock ? { maxBlock } : {}) }) }, { type: 'haveAll' }, { type: 'unchoke' })
  return p
}

const requestLengths = (p: RawPeer) => p.events.flatMap((e) => (e.type === 'request' ? [e.length] : []))

describe('larger blocks (swarmdrop_max_block)', () => {
  it('two swarmdrop peers move 128 KiB blocks and the bytes arrive intact', async () => {
    const s = await swarm()
    await s.add('seed', { seed: DATA })
    const leech = await s.add('leech')
    s.connect('seed', 'leech')
    await s.run(() => leech.torrent.isDone())
    expect(bytesEqual(leech.store.contents(meta.length), DATA)).toBe(true)
    expect(s.node('seed').torrent.stats().uploaded).toBe(DATA.length)
  })

  it('asks 128 KiB of a peer that advertises it, 16 KiB of one that does not, and never more than advertised', async () => {
    const s = await swarm()
    await s.add('leech')
    const big = seedLike(s, 'big', 131072)
    const mid = seedLike(s, 'mid', 65536)
    const plain = seedLike(s, 'plain')
    // The first requests to each (a pipeline of two while no rate is known).
    await s.run(() => [big, mid, plain].every((p) => requestLengths(p).length >= 2))
    // Up to the advertised length (shorter where a piece's free blocks run out), in whole blocks inside the piece.
    for (const [p, max] of [[big, 131072], [mid, 65536], [plain, BLOCK_SIZE]] as const) {
      expect(Math.max(...requestLengths(p))).toBe(max)
      for (const e of p.events) if (e.type === 'request') expect(e.length % BLOCK_SIZE === 0 && e.begin % BLOCK_SIZE === 0 && e.begin + e.length <= meta.pieceLength).toBe(true)
    }
  })

  it('serves a 128 KiB request in one piece message, and advertises what it serves', async () => {
    const s = await swarm()
    await s.add('seed', { seed: DATA })
    const p = new RawPeer(s.attach('seed'), meta.infoHash, peerIdFor('asker'))
    p.send({ type: 'extended', extId: 0, payload: encodeExtendedHandshake({ m: {} }) }, { type: 'haveNone' }, { type: 'interested' })
    await s.run(() => p.count('unchoke') > 0)
    const hs = p.events.find((e) => e.type === 'extended' && e.extId === 0)
    expect(hs).toBeDefined()
    p.send({ type: 'request', index: 1, begin: 131072, length: 131072 })
    await s.run(() => p.count('piece') > 0)
    const piece = p.events.find((e) => e.type === 'piece')
    if (piece?.type !== 'piece') throw new Error('no piece')
    expect(bytesEqual(piece.block, DATA.subarray(262144 + 131072, 262144 + 262144))).toBe(true)
  })

  it('a mixed swarm (a 16 KiB-only peer and a swarmdrop peer) completes, endgame cancels included', async () => {
    const s = await swarm()
    await s.add('fast', { seed: DATA })
    await s.add('plain', { seed: DATA, limits: { maxRequestLength: BLOCK_SIZE, requestLength: BLOCK_SIZE } })
    const leech = await s.add('leech')
    s.connect('fast', 'leech', { latencyMs: 10, bytesPerSecond: 4_000_000 })
    s.connect('plain', 'leech', { latencyMs: 60, bytesPerSecond: 300_000 })
    await s.run(() => leech.torrent.isDone())
    expect(bytesEqual(leech.store.contents(meta.length), DATA)).toBe(true)
    expect(s.node('plain').torrent.stats().uploaded).toBeGreaterThan(0)
    const st = leech.torrent.stats()
    // Duplicates are bounded: endgame asks at most a couple of 16 KiB blocks per peer at once.
    expect(st.wasted).toBeLessThan(8 * 131072)
  })

  it('under a download limit smaller than a 128 KiB block, requests shrink to what it allows and the transfer completes at about the limit', async () => {
    const data = makeData(4 * 262144, 35)
    const small = await makeTorrent([{ name: 'slow.bin', data }], 262144)
    const s = new Swarm(small, { latencyMs: 10, bytesPerSecond: 4_000_000 })
    const leech = await s.add('leech')
    const rate = 40 * 1024
    leech.torrent.setRateLimits({ download: rate })
    const seed = new RawPeer(s.attach('leech'), small.infoHash, peerIdFor('big'))
    seed.send({ type: 'extended', extId: 0, payload: encodeExtendedHandshake({ m: {}, maxBlock: 131072 }) }, { type: 'haveAll' }, { type: 'unchoke' })
    let answered = 0
    const t = await s.run(() => {
      // Answer every request, whatever its length, as a swarmdrop seeder would.
      for (const e of seed.events.slice(answered)) {
        answered++
        if (e.type !== 'request') continue
        const at = e.index * 262144 + e.begin
        seed.send({ type: 'piece', index: e.index, begin: e.begin, block: data.subarray(at, at + e.length) })
      }
      return leech.torrent.isDone()
    }, 120_000)
    expect(bytesEqual(leech.store.contents(data.length), data)).toBe(true)
    // No request asked for more than one bucket (40 KiB of tokens: two 16 KiB blocks).
    expect(Math.max(...requestLengths(seed))).toBeLessThanOrEqual(2 * BLOCK_SIZE)
    // 1 MiB at 40 KiB/s is 25.6 s (less the first second's burst).
    expect(t).toBeGreaterThan(20_000)
    expect(t).toBeLessThan(40_000)
    s.destroy()
  })

  it('under an upload limit smaller than a 128 KiB block, the seeder still sends whole blocks at about the limit', async () => {
    const data = makeData(2 * 262144, 36)
    const small = await makeTorrent([{ name: 'slow-up.bin', data }], 262144)
    const s = new Swarm(small, { latencyMs: 10, bytesPerSecond: 4_000_000 })
    const seed = await s.add('seed', { seed: data })
    const rate = 40 * 1024
    seed.torrent.setRateLimits({ upload: rate })
    const leech = new RawPeer(s.attach('seed'), small.infoHash, peerIdFor('asker'))
    leech.send({ type: 'extended', extId: 0, payload: encodeExtendedHandshake({ m: {} }) }, { type: 'haveNone' }, { type: 'interested' })
    await s.run(() => leech.count('unchoke') > 0)
    for (let begin = 0; begin < data.length; begin += 131072) leech.send({ type: 'request', index: Math.floor(begin / 262144), begin: begin % 262144, length: 131072 })
    const t0 = s.clock.now()
    const t = await s.run(() => leech.count('piece') === 4, 120_000)
    const got = leech.events.flatMap((e) => (e.type === 'piece' ? [e] : []))
    for (const p of got) expect(bytesEqual(p.block, data.subarray(p.index * 262144 + p.begin, p.index * 262144 + p.begin + 131072))).toBe(true)
    // 512 KiB at 40 KiB/s: 12.8 s less the first bucket; each block waits for a full bucket and goes into debt.
    expect(t - t0).toBeGreaterThan(9_000)
    expect(t - t0).toBeLessThan(20_000)
    s.destroy()
  })

  it('a moved deadline cancels queued requests beyond 64 KiB: one 128 KiB request is kept, not four', async () => {
    const s = await swarm()
    const leech = await s.add('leech', { limits: { randomFirstPieces: 0 } })
    const big = seedLike(s, 'big', 131072)
    // It never answers: the leecher's first two 128 KiB requests stay queued.
    await s.run(() => requestLengths(big).length >= 2)
    const asked = new Set(big.events.flatMap((e) => (e.type === 'request' ? [e.index] : [])))
    const deadline = [...Array(meta.pieceCount).keys()].reverse().find((i) => !asked.has(i))!
    leech.torrent.setDeadlines([deadline])
    await s.run(() => big.count('cancel') > 0 && big.events.some((e) => e.type === 'request' && e.index === deadline), s.clock.now() + 5_000)
    const cancels = big.events.flatMap((e) => (e.type === 'cancel' ? [e] : []))
    expect(cancels).toHaveLength(1)
    expect(cancels[0]!.length).toBe(131072)
    s.destroy()
  })
})

