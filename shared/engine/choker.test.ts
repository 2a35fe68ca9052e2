import { describe, expect, it } from 'vitest'
import { rechoke, type ChokerOptions, type ChokerPeer } from './choker.ts'

const o: ChokerOptions = { slots: 2, seeding: false, optimisticMs: 30_000, snubMs: 60_000 }
const NOW = 1_000_000
const peer = (id: number, p: Partial<ChokerPeer> = {}): ChokerPeer => ({
  id,
  interested: true,
  seed: false,
  downloadRate: 0,
  uploadRate: 0,
  lastBlockAt: NOW - 1000,
  connectedAt: 0,
  unchoked: false,
  unchokedAt: undefined,
  ...p,
})
const noOptimistic = { peer: null, since: NOW }
const first = () => 0

describe('rechoke (leeching)', () => {
  it.each<[string, ChokerPeer[], number[]]>([
    ['unchokes the fastest uploaders to us', [peer(1, { downloadRate: 10 }), peer(2, { downloadRate: 30 }), peer(3, { downloadRate: 20 })], [2, 3]],
    ['skips peers that are not interested', [peer(1, { downloadRate: 99, interested: false }), peer(2, { downloadRate: 1 }), peer(3, { downloadRate: 2 })], [3, 2]],
    ['never unchokes seeds', [peer(1, { downloadRate: 99, seed: true }), peer(2), peer(3)], [2, 3]],
    [
      'ranks a snubbing peer last even if its old rate is high',
      [peer(1, { downloadRate: 99, unchoked: true, unchokedAt: 0, lastBlockAt: NOW - 61_000 }), peer(2, { downloadRate: 5 }), peer(3, { downloadRate: 4 })],
      [2, 3],
    ],
    ['unchokes everyone when there are fewer peers than slots', [peer(1)], [1]],
  ])('%s', (_name, peers, regular) => {
    const d = rechoke(peers, { peer: null, since: NOW }, NOW, o, first)
    for (const id of regular) expect(d.unchoke.has(id)).toBe(true)
    // One optimistic unchoke on top of the regular slots, when anyone is left.
    const left = peers.filter((p) => p.interested && !p.seed).length - regular.length
    expect(d.unchoke.size).toBe(regular.length + (left > 0 ? 1 : 0))
  })

  it('keeps the optimistic peer for 30 s, then rotates', () => {
    const peers = [peer(1, { downloadRate: 9 }), peer(2, { downloadRate: 8 }), peer(3), peer(4)]
    const d1 = rechoke(peers, noOptimistic, NOW, o, first)
    expect(d1.optimistic.peer).toBe(3)
    const d2 = rechoke(peers, d1.optimistic, NOW + 10_000, o, () => 0.99)
    expect(d2.optimistic.peer).toBe(3)
    const d3 = rechoke(peers, d1.optimistic, NOW + 30_000, o, () => 0.99)
    expect(d3.optimistic.peer).toBe(4)
  })

  it('with no slots unchokes nobody, not even optimistically (uploading off)', () => {
    const d = rechoke([peer(1, { downloadRate: 9 }), peer(2, { connectedAt: NOW - 1000 })], noOptimistic, NOW, { ...o, slots: 0 }, first)
    expect(d.unchoke.size).toBe(0)
    expect(d.optimistic.peer).toBeNull()
  })

  it('favours new peers three to one for the optimistic slot', () => {
    const peers = [peer(1, { downloadRate: 9 }), peer(2, { downloadRate: 8 }), peer(3), peer(4, { connectedAt: NOW - 1000 })]
    let newcomer = 0
    for (let i = 0; i < 400; i++) {
      const d = rechoke(peers, noOptimistic, NOW, o, () => (i + 0.5) / 400)
      if (d.optimistic.peer === 4) newcomer++
    }
    expect(newcomer).toBe(300)
  })
})

describe('rechoke (seeding)', () => {
  const s = { ...o, seeding: true }
  it('ranks by our upload rate to them', () => {
    const peers = [peer(1, { uploadRate: 1 }), peer(2, { uploadRate: 3 }), peer(3, { uploadRate: 2 }), peer(4)]
    const d = rechoke(peers, noOptimistic, NOW, s, first)
    expect([...d.unchoke].slice(0, 2)).toEqual([2, 3])
  })
  it('rotates: a peer unchoked for 30 s yields its slot to a waiting peer, however fast', () => {
    const peers = [
      peer(1, { uploadRate: 100, unchoked: true, unchokedAt: NOW - 30_000 }),
      peer(2, { uploadRate: 90, unchoked: true, unchokedAt: NOW - 10_000 }),
      peer(3, { uploadRate: 0 }),
    ]
    const d = rechoke(peers, noOptimistic, NOW, { ...s, slots: 2 }, first)
    expect([...d.unchoke].slice(0, 2).sort()).toEqual([2, 3])
  })
  it('rotates equal peers: those choked longest come first', () => {
    const peers = [
      peer(1, { unchoked: true, unchokedAt: NOW - 10_000 }),
      peer(2, { unchoked: true, unchokedAt: NOW - 10_000 }),
      peer(3, { unchokedAt: NOW - 50_000 }),
      peer(4, { unchokedAt: undefined }),
    ]
    const d = rechoke(peers, noOptimistic, NOW, { ...s, slots: 2 }, () => 0.99)
    expect(d.unchoke.has(3)).toBe(true)
    expect(d.unchoke.has(4)).toBe(true)
  })
})

describe('rechoke with lanes (sessions of one remote share a group)', () => {
  it('gives a remote one slot for all its lanes, ranked by their summed rate, and unchokes the lanes together', () => {
    const peers = [
      // Remote A: three lanes of 4 each (12 in all) beats B's single 10.
      peer(1, { group: 'A', downloadRate: 4 }),
      peer(2, { group: 'A', downloadRate: 4 }),
      peer(3, { group: 'A', downloadRate: 4 }),
      peer(4, { group: 'B', downloadRate: 10 }),
      peer(5, { group: 'C', downloadRate: 1 }),
      peer(6, { group: 'C', downloadRate: 1, interested: false }),
      peer(7, { group: 'D' }),
    ]
    const d = rechoke(peers, noOptimistic, NOW, o, first)
    // Two slots = A and B (not A's three lanes alone); the optimistic unchoke is C, its interested lane only.
    expect([...d.unchoke].sort()).toEqual([1, 2, 3, 4, 5])
    expect(d.optimistic.peer).toBe(5)
  })

  it('a seeder with one leecher on three lanes and one slot serves all three', () => {
    const peers = [peer(1, { group: 'A' }), peer(2, { group: 'A' }), peer(3, { group: 'A' })]
    const d = rechoke(peers, noOptimistic, NOW, { ...o, slots: 1, seeding: true }, first)
    expect([...d.unchoke].sort()).toEqual([1, 2, 3])
  })
})
