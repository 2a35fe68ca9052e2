// Which classic peers an HTTP or UDP announce gets back, on the tracker core without sockets: a leecher
// gets anyone, a seeder gets leechers first and seeders after them. A client started from a magnet link
// says left=0 before it has the metadata (aria2c does), so a "seeder" among seeders must still get peers.

import { describe, expect, it } from 'vitest'
import { parseIp, peerAddress } from './address.ts'
import { defaultLimits, defaultTiming } from './limits.ts'
import type { ClassicAnnounce, ClassicAnnounceReply, Refusal } from './requests.ts'
import { Tracker, type RtcOwner } from './tracker.ts'

interface Owner extends RtcOwner<Owner> {}

const IH = 'i'.repeat(20)
const peerId = (n: number): string => `peer-${String(n).padStart(15, '0')}`

function announce(tracker: Tracker<Owner>, n: number, left: number, numwant = 50): ClassicAnnounceReply {
  const ip = parseIp(`10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`)
  if (ip === null) throw new Error('bad test address')
  const req: ClassicAnnounce = {
    protocol: 'http', infoHash: IH, peerId: peerId(n), event: 'started', left,
    address: peerAddress(ip, 6881), numwant, otherFamily: false,
  }
  let answer: ClassicAnnounceReply | Refusal | undefined
  tracker.announceClassic(req, r => { answer = r })
  if (answer?.kind !== 'peers') throw new Error(`expected peers, got ${JSON.stringify(answer)}`)
  return answer
}

const ids = (r: ClassicAnnounceReply): string[] => r.peers.map(p => p.peerId)
const newTracker = (): Tracker<Owner> => new Tracker<Owner>({ ...defaultLimits, maxPeersPerSwarm: 100_000 }, defaultTiming)

describe('classic peers for an announce', () => {
  it('gives a seeder in a swarm of seeders the other seeders (a magnet client before its metadata)', () => {
    const tracker = newTracker()
    for (let i = 1; i <= 3; i++) announce(tracker, i, 0)
    const magnet = announce(tracker, 99, 0)
    expect(ids(magnet).sort()).toEqual([peerId(1), peerId(2), peerId(3)])
  })

  it('gives a seeder every leecher first, then fills numwant with seeders, never itself', () => {
    const tracker = newTracker()
    for (let i = 1; i <= 20; i++) announce(tracker, i, 0)
    for (let i = 21; i <= 23; i++) announce(tracker, i, 1000)
    const r = announce(tracker, 1, 0, 10)
    const got = ids(r)
    expect(got).toHaveLength(10)
    expect(new Set(got).size).toBe(10)
    expect(got).not.toContain(peerId(1))
    expect(got.slice(0, 3).sort()).toEqual([peerId(21), peerId(22), peerId(23)])
    // With numwant no larger than the leechers, only leechers.
    expect(ids(announce(tracker, 2, 0, 3)).sort()).toEqual([peerId(21), peerId(22), peerId(23)])
  })

  it('stays bounded in a big swarm of seeders: numwant peers, distinct, leechers found', () => {
    const tracker = newTracker()
    for (let i = 1; i <= 2000; i++) announce(tracker, i, i % 100 === 0 ? 1000 : 0)
    const r = announce(tracker, 7, 0, 50)
    const got = ids(r)
    expect(got).toHaveLength(50)
    expect(new Set(got).size).toBe(50)
    expect(got).not.toContain(peerId(7))
    // One leecher in 100: the bounded pick (random tries, then a walk of 264 places) finds some, not
    // necessarily all; those it finds come first.
    const leechers = got.filter(id => Number(id.slice(5)) % 100 === 0)
    expect(leechers.length).toBeGreaterThanOrEqual(2)
    expect(got.slice(0, leechers.length)).toEqual(leechers)
  })

  it('gives a leecher seeders and leechers alike', () => {
    const tracker = newTracker()
    announce(tracker, 1, 0)
    announce(tracker, 2, 1000)
    expect(ids(announce(tracker, 3, 1000)).sort()).toEqual([peerId(1), peerId(2)])
  })
})
