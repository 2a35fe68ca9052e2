// The swarm table as plain data: counts, random picks, classic and WebRTC peers side by side.

import { describe, expect, it } from 'vitest'
import { parseIp, peerAddress } from './address.ts'
import { PeerSet, Peer, SwarmTable, classicKey, rememberOffer, takeOffer, type ClassicPeer, type RtcPeer } from './swarms.ts'

const bin = (c: string) => c.repeat(20)
const owner = { peers: null }
const addr = (ip: string, port = 6881) => {
  const parsed = parseIp(ip)
  if (parsed === null) throw new Error(ip)
  return peerAddress(parsed, port)
}

describe('PeerSet', () => {
  it('keeps the random-pick array right through adds and swap-removes', () => {
    const set = new PeerSet<Peer<object>>()
    const peers = Array.from({ length: 6 }, (_, i) => new Peer(String(i), bin(String(i)), owner, false, 0))
    for (const p of peers) set.add(p)
    expect(set.remove(peers[0] as Peer<object>)).toBe(true)
    expect(set.remove(peers[3] as Peer<object>)).toBe(true)
    expect(set.remove(peers[3] as Peer<object>)).toBe(false) // twice is a no-op
    set.list.forEach((p, i) => expect(p.index).toBe(i))
    expect(new Set(set.list)).toEqual(new Set([peers[1], peers[2], peers[4], peers[5]]))
  })

  it('picks distinct peers other than self, even with an adversarial random source', () => {
    const set = new PeerSet<Peer<object>>()
    const peers = Array.from({ length: 50 }, (_, i) => new Peer(String(i), bin(String.fromCharCode(40 + i)), owner, false, 0))
    for (const p of peers) set.add(p)
    const picked = set.pick(peers[0], 5)
    expect(picked).toHaveLength(5)
    expect(new Set(picked).size).toBe(5)
    expect(picked).not.toContain(peers[0])
    // A random source stuck on one index cannot loop forever.
    expect(set.pick(peers[0], 5, null, null, () => 0).length).toBeLessThanOrEqual(1)
    // Big picks (numwant 200) stay distinct too.
    expect(new Set(set.pick(peers[0], 40)).size).toBe(40)
  })

  it('with a filter that rejects most peers, finds the few it accepts by a bounded walk', () => {
    const set = new PeerSet<Peer<object>>()
    // One leecher in 50: random tries may miss them all, the walk of 84 steps cannot.
    for (let i = 0; i < 1000; i++) set.add(new Peer(String(i), bin('x'), owner, i % 50 !== 7, 0))
    const leechers = set.pick(undefined, 5, p => !p.complete)
    expect(leechers.length).toBeGreaterThan(0)
    expect(leechers.every(p => !p.complete)).toBe(true)
    // A filter nobody passes costs a bounded walk, not the whole set.
    let calls = 0
    expect(set.pick(undefined, 5, () => { calls++; return false })).toEqual([])
    expect(calls).toBeLessThanOrEqual(5 * 8 + 5 * 4 + 64)
  })
})

describe('PeerSet.pick with a fallback', () => {
  const make = (n: number, leecher: (i: number) => boolean): PeerSet<Peer<object>> => {
    const set = new PeerSet<Peer<object>>()
    for (let i = 0; i < n; i++) set.add(new Peer(String(i), bin('x'), owner, !leecher(i), 0))
    return set
  }
  const wanted = (p: Peer<object>): boolean => !p.complete
  const spare = (p: Peer<object>): boolean => p.complete

  it('fills what the accepted peers leave with fallback peers, accepted ones first, all distinct', () => {
    for (const [n, count] of [[10, 50], [1000, 5], [1000, 40]] as const) {
      const set = make(n, i => i % 50 === 3) // the walk (count * 4 + 64 steps) cannot miss them all
      const self = set.list[0]
      const out = set.pick(self, count, wanted, spare)
      expect(out).toHaveLength(Math.min(count, n - 1))
      expect(new Set(out).size).toBe(out.length)
      expect(out).not.toContain(self)
      const firstFallback = out.findIndex(p => p.complete)
      expect(out.slice(firstFallback === -1 ? out.length : firstFallback).every(p => p.complete)).toBe(true)
      expect(out.some(p => !p.complete)).toBe(true)
    }
  })

  it('takes only accepted peers when there are enough, and nothing that neither filter takes', () => {
    const set = make(1000, i => i % 2 === 0)
    expect(set.pick(undefined, 40, wanted, spare).every(p => !p.complete)).toBe(true)
    expect(set.pick(undefined, 40, () => false, () => false)).toEqual([])
  })
})

describe('SwarmTable', () => {
  it('keeps browsers and classic peers of both families in one swarm, counted together and per protocol', () => {
    const t = new SwarmTable<object>()
    const s = t.swarm(bin('i'))
    t.addRtc(s, bin('w'), owner, true, 0)
    t.addClassic(s, 'http', classicKey('http', '192.0.2.1', bin('h')), bin('h'), addr('192.0.2.1'), false, 0)
    t.addClassic(s, 'udp', classicKey('udp', '192.0.2.1', bin('h')), bin('h'), addr('192.0.2.1'), false, 0)
    t.addClassic(s, 'udp', classicKey('udp', '2001:db8::1', bin('u')), bin('u'), addr('2001:db8::1'), true, 0)
    expect([s.complete, s.incomplete, s.size]).toEqual([2, 2, 4])
    expect([s.rtc?.size, s.v4?.size, s.v6?.size]).toEqual([1, 2, 1])
    expect(t.counts()).toEqual({ torrents: 1, peers: 4, seeders: 2, leechers: 2, byProtocol: { ws: 1, http: 1, udp: 2 } })
  })

  it('drops a swarm when its last peer leaves, whatever kind it was', () => {
    const t = new SwarmTable<object>()
    const s = t.swarm(bin('i'))
    const w = t.addRtc(s, bin('w'), owner, false, 0)
    const c = t.addClassic(s, 'http', 'k', bin('h'), addr('::ffff:10.0.0.1'), false, 0)
    expect(c.owner.family).toBe(4) // an IPv4-mapped address is IPv4
    t.leaveRtc(w)
    expect(t.get(bin('i'))).toBe(s)
    t.leaveClassic(s, c)
    t.leaveClassic(s, c) // twice is a no-op
    expect(t.get(bin('i'))).toBeUndefined()
    expect(t.counts()).toMatchObject({ torrents: 0, peers: 0, byProtocol: { ws: 0, http: 0, udp: 0 } })
  })

  it('expires silent peers of every kind, and stale offers of live ones', () => {
    const t = new SwarmTable<object>()
    const s = t.swarm(bin('i'))
    const old = t.addRtc(s, bin('o'), owner, false, 0)
    const fresh = t.addRtc(s, bin('f'), owner, false, 1000)
    t.addClassic(s, 'udp', 'k1', bin('c'), addr('10.0.0.1'), false, 0)
    const live: ClassicPeer = t.addClassic(s, 'udp', 'k2', bin('d'), addr('10.0.0.2'), false, 1000)
    rememberOffer(fresh, bin('x'), bin('y'), 10, 4)
    rememberOffer(fresh, bin('z'), bin('y'), 900, 4)
    const gone: RtcPeer<object>[] = []
    expect(t.expire(500, 500, p => gone.push(p))).toBe(2)
    expect(gone).toEqual([old])
    expect(s.v4?.list).toEqual([live])
    expect(fresh.pending?.map(o => o.offerId)).toEqual([bin('z')])
  })
})

describe('pending offers', () => {
  it('takes an offer once, only from the right sender, only while fresh', () => {
    const t = new SwarmTable<object>()
    const to = t.addRtc(t.swarm(bin('i')), bin('t'), owner, false, 0)
    rememberOffer(to, bin('o'), bin('f'), 1000, 4)
    expect(takeOffer(to, bin('o'), bin('x'), 1000, 120_000)).toBeNull()
    expect(takeOffer(to, bin('o'), bin('f'), 1000, 120_000)).toEqual({ offerId: bin('o'), fromPeerId: bin('f'), at: 1000 })
    expect(takeOffer(to, bin('o'), bin('f'), 1000, 120_000)).toBeNull()
    rememberOffer(to, bin('o'), bin('f'), 1000, 4)
    expect(takeOffer(to, bin('o'), bin('f'), 200_000, 120_000)).toBeNull()
    for (let i = 0; i < 10; i++) rememberOffer(to, bin(String(i)), bin('f'), 0, 4)
    expect(to.pending?.map(o => o.offerId)).toEqual(['6', '7', '8', '9'].map(bin))
  })
})
