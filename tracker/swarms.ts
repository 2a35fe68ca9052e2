// The swarm table: info_hash -> swarm, where classic peers (an address and port, announced over HTTP
// or UDP) and WebRTC peers (a browser reached through its WebSocket, announced with offers) live side
// by side. A swarm keeps each kind in its own PeerSet (a map for lookups plus an array for O(1)
// random picks): browsers are relayed to browsers, classic clients get classic addresses of their own
// family, and the counts (complete, incomplete, downloaded) cover all of them. A peer announced over
// several protocols is one entry per protocol: the WebSocket's peer is keyed by peer_id, a classic
// peer by protocol, address and peer_id (so nobody can stop or move another address's peer).
//
// This is the only state the core (tracker.ts) keeps. With several tracker processes on one Redis
// (redis/), each keeps its own table too: its own sockets' browser peers and the classic peers that
// announced to it, which it serves from alone while Redis is unreachable and writes back when it returns.
// Times are whole milliseconds from the tracker's clock; nothing here touches a socket.

import type { PeerAddress, Protocol, SwarmCounts } from './requests.ts'

/**
 * An offer relayed to a browser peer and not yet answered. `node` is set (shared tracker only) when
 * the offerer's socket is on another tracker node: the answer goes back to that node.
 */
export interface PendingOffer { offerId: string; fromPeerId: string; at: number; node?: string }

export class Peer<O> {
  /** Position in its PeerSet's list (swap-remove keeps removal O(1)). */
  index = -1
  constructor(
    /** Key in its PeerSet. */
    readonly key: string,
    readonly peerId: string,
    /** Who may speak for this peer: the WebSocket connection, or a classic client's address. */
    public owner: O,
    public complete: boolean,
    public lastSeen: number,
  ) {}
}

/** A browser peer: owned by the connection that first announced it, reached only through it. */
export class RtcPeer<O> extends Peer<O> {
  /** Offers relayed to this peer, oldest first, bounded by maxPendingOffersPerPeer. */
  pending: PendingOffer[] | null = null
  constructor(readonly swarm: Swarm<O>, peerId: string, owner: O, complete: boolean, lastSeen: number) {
    super(peerId, peerId, owner, complete, lastSeen)
  }
}

/** A classic peer: an address other clients connect to over TCP. */
export class ClassicPeer extends Peer<PeerAddress> {
  constructor(readonly protocol: 'http' | 'udp', key: string, peerId: string, owner: PeerAddress, complete: boolean, lastSeen: number) {
    super(key, peerId, owner, complete, lastSeen)
  }
}

/** The classic peer key: one entry per protocol, address and peer_id. */
export const classicKey = (protocol: 'http' | 'udp', ip: string, peerId: string): string =>
  (protocol === 'http' ? 'h' : 'u') + ip + '/' + peerId

export class PeerSet<P extends Peer<unknown>> {
  readonly map = new Map<string, P>()
  readonly list: P[] = []

  get size(): number {
    return this.list.length
  }

  get(key: string): P | undefined {
    return this.map.get(key)
  }

  add(peer: P): void {
    peer.index = this.list.length
    this.list.push(peer)
    this.map.set(peer.key, peer)
  }

  /** False when the peer was not (or no longer) in the set. */
  remove(peer: P): boolean {
    if (this.map.get(peer.key) !== peer) return false
    this.map.delete(peer.key)
    const last = this.list.pop() as P
    if (last !== peer) {
      this.list[peer.index] = last
      last.index = peer.index
    }
    peer.index = -1
    return true
  }

  /**
   * Up to `count` distinct random peers other than `self` that `accept` takes. Sets no larger than
   * count + 1 give every such peer; bigger ones are sampled by random index with a bounded number of
   * tries, then (with a filter that rejects most peers: a seeder asking for leechers among seeders)
   * walked from a random start for a bounded number of steps, never the whole of a 20,000-peer swarm.
   * With `fallback`, peers that `accept` turns down but `fallback` takes are set aside on the way (up
   * to `count`) and fill what the accepted ones leave: a preference at no extra cost.
   */
  pick(
    self: P | undefined, count: number, accept: ((p: P) => boolean) | null = null,
    fallback: ((p: P) => boolean) | null = null, random: () => number = Math.random,
  ): P[] {
    const list = this.list
    const n = list.length
    const out: P[] = []
    if (count <= 0 || n === 0) return out
    const spare: P[] = []
    const others = self !== undefined && self.index >= 0 ? n - 1 : n
    if (others <= count) {
      for (const p of list) {
        if (p === self) continue
        if (accept === null || accept(p)) out.push(p)
        else if (fallback !== null && fallback(p)) spare.push(p)
      }
      return fillFrom(out, spare, count)
    }
    // Small picks (WebRTC offers: 5) test membership in the arrays; big ones (numwant 200) in a set.
    const seen = count > 16 ? new Set<P>() : null
    for (let tries = 0; out.length < count && tries < count * 8; tries++) {
      takeOne(list[Math.floor(random() * n)] as P, self, count, accept, fallback, out, spare, seen)
    }
    if (out.length < count && accept !== null) {
      const start = Math.floor(random() * n)
      const steps = Math.min(n, count * 4 + 64)
      for (let i = 0; i < steps && out.length < count; i++) takeOne(list[(start + i) % n] as P, self, count, accept, fallback, out, spare, seen)
    }
    return fillFrom(out, spare, count)
  }
}

/**
 * One step of PeerSet.pick: `p` joins `out` (accepted) or `spare` (fallback) unless it is `self` or
 * already taken. A module function rather than a closure made per pick (under tsx, esbuild's
 * keepNames adds a __name call to each named closure made).
 */
function takeOne<P>(
  p: P, self: P | undefined, count: number, accept: ((p: P) => boolean) | null, fallback: ((p: P) => boolean) | null,
  out: P[], spare: P[], seen: Set<P> | null,
): void {
  if (p === self || (seen === null ? out.includes(p) || spare.includes(p) : seen.has(p))) return
  if (accept === null || accept(p)) out.push(p)
  else if (fallback !== null && spare.length < count && fallback(p)) spare.push(p)
  else return
  seen?.add(p)
}

/** `out` topped up to `count` from `spare`, in order. */
function fillFrom<P>(out: P[], spare: readonly P[], count: number): P[] {
  for (let i = 0; i < spare.length && out.length < count; i++) out.push(spare[i] as P)
  return out
}

export class Swarm<O> {
  /** Created on first use: most swarms hold one kind of peer. */
  rtc: PeerSet<RtcPeer<O>> | null = null
  v4: PeerSet<ClassicPeer> | null = null
  v6: PeerSet<ClassicPeer> | null = null
  complete = 0
  incomplete = 0
  /** Completed events seen (a lower bound of downloads, as in BEP 48 scrape `downloaded`). */
  downloaded = 0
  constructor(readonly infoHash: string) {}

  get size(): number {
    return (this.rtc?.size ?? 0) + (this.v4?.size ?? 0) + (this.v6?.size ?? 0)
  }

  counts(): SwarmCounts {
    return { complete: this.complete, incomplete: this.incomplete, downloaded: this.downloaded }
  }

  classic(family: 4 | 6): PeerSet<ClassicPeer> | null {
    return family === 4 ? this.v4 : this.v6
  }

  add<P extends Peer<unknown>>(set: PeerSet<P>, peer: P): void {
    set.add(peer)
    if (peer.complete) this.complete++
    else this.incomplete++
  }

  remove<P extends Peer<unknown>>(set: PeerSet<P>, peer: P): boolean {
    if (!set.remove(peer)) return false
    if (peer.complete) this.complete--
    else this.incomplete--
    return true
  }

  setComplete(peer: Peer<unknown>, complete: boolean): void {
    if (peer.complete === complete) return
    peer.complete = complete
    if (complete) {
      this.complete++
      this.incomplete--
    } else {
      this.complete--
      this.incomplete++
    }
  }
}

export interface TableCounts {
  torrents: number
  peers: number
  seeders: number
  leechers: number
  /** Peers by the protocol they announced over (one client on two protocols is two entries). */
  byProtocol: Record<Protocol, number>
}

export class SwarmTable<O> {
  readonly swarms = new Map<string, Swarm<O>>()
  private readonly byProtocol: Record<Protocol, number> = { ws: 0, http: 0, udp: 0 }

  get(infoHash: string): Swarm<O> | undefined {
    return this.swarms.get(infoHash)
  }

  /** The swarm of `infoHash`, created empty if there is none (add a peer to it right away). */
  swarm(infoHash: string): Swarm<O> {
    let s = this.swarms.get(infoHash)
    if (s === undefined) {
      s = new Swarm<O>(infoHash)
      this.swarms.set(infoHash, s)
    }
    return s
  }

  addRtc(swarm: Swarm<O>, peerId: string, owner: O, complete: boolean, now: number): RtcPeer<O> {
    const peer = new RtcPeer(swarm, peerId, owner, complete, now)
    swarm.add((swarm.rtc ??= new PeerSet()), peer)
    this.byProtocol.ws++
    return peer
  }

  addClassic(swarm: Swarm<O>, protocol: 'http' | 'udp', key: string, peerId: string, address: PeerAddress, complete: boolean, now: number): ClassicPeer {
    const peer = new ClassicPeer(protocol, key, peerId, address, complete, now)
    const set = address.family === 4 ? (swarm.v4 ??= new PeerSet()) : (swarm.v6 ??= new PeerSet())
    swarm.add(set, peer)
    this.byProtocol[protocol]++
    return peer
  }

  /** A browser peer leaves, and its swarm when it empties (a flood of one-off info hashes leaves nothing). */
  leaveRtc(peer: RtcPeer<O>): void {
    const swarm = peer.swarm
    const set = swarm.rtc
    if (set === null || !swarm.remove(set, peer)) return
    peer.pending = null
    this.byProtocol.ws--
    if (set.size === 0) swarm.rtc = null
    this.dropIfEmpty(swarm)
  }

  leaveClassic(swarm: Swarm<O>, peer: ClassicPeer): void {
    const family = peer.owner.family
    const set = swarm.classic(family)
    if (set === null || !swarm.remove(set, peer)) return
    this.byProtocol[peer.protocol]--
    if (set.size === 0) {
      if (family === 4) swarm.v4 = null
      else swarm.v6 = null
    }
    this.dropIfEmpty(swarm)
  }

  private dropIfEmpty(swarm: Swarm<O>): void {
    if (swarm.size === 0 && this.swarms.get(swarm.infoHash) === swarm) this.swarms.delete(swarm.infoHash)
  }

  /**
   * Drop peers silent since before `cutoff`, and offers older than `offerCutoff`; `onRtcRemoved`
   * lets the owner forget a browser peer. Returns the number of peers removed.
   */
  expire(cutoff: number, offerCutoff: number, onRtcRemoved: (p: RtcPeer<O>) => void): number {
    let removed = 0
    for (const swarm of this.swarms.values()) {
      const rtc = swarm.rtc
      if (rtc !== null) {
        for (let i = rtc.list.length - 1; i >= 0; i--) {
          const p = rtc.list[i] as RtcPeer<O>
          if (p.lastSeen < cutoff) {
            onRtcRemoved(p)
            this.leaveRtc(p)
            removed++
          } else if (p.pending !== null) {
            p.pending = p.pending.filter(o => o.at >= offerCutoff)
            if (p.pending.length === 0) p.pending = null
          }
        }
      }
      for (const set of [swarm.v4, swarm.v6]) {
        if (set === null) continue
        for (let i = set.list.length - 1; i >= 0; i--) {
          const p = set.list[i] as ClassicPeer
          if (p.lastSeen < cutoff) {
            this.leaveClassic(swarm, p)
            removed++
          }
        }
      }
    }
    return removed
  }

  counts(): TableCounts {
    let seeders = 0
    let leechers = 0
    for (const s of this.swarms.values()) {
      seeders += s.complete
      leechers += s.incomplete
    }
    return { torrents: this.swarms.size, peers: seeders + leechers, seeders, leechers, byProtocol: { ...this.byProtocol } }
  }
}

export function rememberOffer<O>(to: RtcPeer<O>, offerId: string, fromPeerId: string, at: number, max: number, node?: string): void {
  const pending = (to.pending ??= [])
  if (pending.length >= max) pending.shift()
  // Only the shared tracker names a node: the in-memory table keeps its three-field objects.
  pending.push(node === undefined ? { offerId, fromPeerId, at } : { offerId, fromPeerId, at, node })
}

/** Find and consume the offer `offerId` that `fromPeerId` sent to `to`; null when unknown or older than maxAge. */
export function takeOffer<O>(to: RtcPeer<O>, offerId: string, fromPeerId: string, now: number, maxAge: number): PendingOffer | null {
  const pending = to.pending
  if (pending === null) return null
  for (let i = 0; i < pending.length; i++) {
    const o = pending[i] as PendingOffer
    if (o.offerId === offerId && o.fromPeerId === fromPeerId) {
      pending.splice(i, 1)
      if (pending.length === 0) to.pending = null
      return now - o.at <= maxAge ? o : null
    }
  }
  return null
}
