// The tracker core: what each validated request does to the swarm table and who hears about it, for
// every protocol. Socket layers (ws/, http/, udp/) own the sockets, parse bytes into the requests of
// requests.ts, hand them here and encode what comes back: composition, not inheritance. Nothing here
// knows JSON, bencode or packets. Replies go through callbacks, never return values: the shared tracker
// (redis/shared-tracker.ts, several processes on one Redis) answers later, from Redis, by overriding
// the three protected answer steps (answerClassic, answerRtc, passAnswer); the handlers do not change.
//
// Rules beyond bittorrent-tracker (after aquatic): a WebSocket peer_id belongs to the connection that
// first announced it in a swarm, answers are relayed only for a fresh offer that was relayed to the
// answerer, a closed connection leaves every swarm at once; a classic peer is keyed by its address,
// so another address cannot stop or move it; seeders are given leechers; every client-controlled
// quantity is bounded.

import type { Limits, Timing } from './limits.ts'
import {
  PROTOCOLS, REJECT_REASONS,
  type ClassicAnnounce, type ClassicAnnounceReply, type ClassicPeerView, type Offer, type Protocol, type RejectReason,
  type Refusal, type Reply, type RtcAnnounce, type RtcAnswer, type ScrapeRequest, type SwarmCounts,
} from './requests.ts'
import {
  SwarmTable, classicKey, rememberOffer, takeOffer, type ClassicPeer, type PeerSet, type PendingOffer, type RtcPeer, type Swarm,
} from './swarms.ts'

/** What the core needs of a WebSocket connection: the browser peers it announced, one per swarm. */
export interface RtcOwner<O> {
  peers: RtcPeer<O>[] | null
}

/** How the core reaches browsers; the WebSocket layer implements it (and encodes the JSON). */
export interface RtcMessenger<O> {
  announced(to: O, infoHash: string, interval: number, counts: SwarmCounts): void
  /** False when the connection is gone or too slow: the offer was not relayed. */
  offer(to: O, infoHash: string, fromPeerId: string, offer: Offer): boolean
  answer(to: O, infoHash: string, fromPeerId: string, offerId: string, answer: object): boolean
  refused(to: O, infoHash: string, reason: string): void
  /** The shared tracker (redis/): the message `offer` or `answer` would send, to pass to the node holding the socket. */
  encodeOffer(infoHash: string, fromPeerId: string, offer: Offer): string
  encodeAnswer(infoHash: string, fromPeerId: string, offerId: string, answer: object): string
  /** ... and on that node, send it. False when the connection is gone or too slow. */
  deliver(to: O, message: string): boolean
}

export interface CoreCounters {
  announces: Record<Protocol, number>
  scrapes: Record<Protocol, number>
  /** WebRTC answers received, and offers and answers passed on. */
  answers: number
  offersRelayed: number
  answersRelayed: number
  /** Valid requests the core refused (swarm full, another connection's peer_id, stale offer...). */
  refused: Record<Protocol, number>
  /** Requests a socket layer could not parse or would not take, by reason (see requests.ts). */
  rejected: Record<Protocol, Record<RejectReason, number>>
  peersExpired: number
}

/** What the stateless protocols (HTTP, UDP) use of the core: nothing that knows WebSocket owners. */
export type ClassicTracker = Pick<Tracker<never>, 'announceClassic' | 'scrape' | 'reject' | 'interval' | 'minInterval' | 'limits' | 'timing' | 'clock'>

const perProtocol = <T>(make: () => T): Record<Protocol, T> =>
  Object.fromEntries(PROTOCOLS.map(p => [p, make()])) as Record<Protocol, T>

export const NO_PEERS: readonly ClassicPeerView[] = []
export const EMPTY_COUNTS: SwarmCounts = Object.freeze({ complete: 0, incomplete: 0, downloaded: 0 })

export class Tracker<O extends RtcOwner<O>> {
  readonly table = new SwarmTable<O>()
  readonly counters: CoreCounters = {
    announces: perProtocol(() => 0),
    scrapes: perProtocol(() => 0),
    answers: 0,
    offersRelayed: 0,
    answersRelayed: 0,
    refused: perProtocol(() => 0),
    rejected: perProtocol(() => Object.fromEntries(REJECT_REASONS.map(r => [r, 0])) as Record<RejectReason, number>),
    peersExpired: 0,
  }
  /** Announce interval in whole seconds, as told to clients. */
  readonly interval: number
  readonly minInterval: number

  constructor(
    readonly limits: Limits,
    readonly timing: Timing,
    readonly clock: () => number = () => Math.floor(performance.now()),
  ) {
    this.interval = Math.max(1, Math.round(timing.interval))
    this.minInterval = Math.max(1, Math.min(this.interval, Math.round(timing.minInterval)))
  }

  /** A socket layer turned some bytes away: count it (the layer tells the client, or not). */
  reject(protocol: Protocol, reason: RejectReason): void {
    this.counters.rejected[protocol][reason]++
  }

  // ---- classic clients (HTTP, UDP) ----

  announceClassic(req: ClassicAnnounce, reply: Reply<ClassicAnnounceReply | Refusal>): void {
    const { infoHash, protocol, address, event } = req
    this.counters.announces[protocol]++
    const now = this.clock()
    const table = this.table
    const key = classicKey(protocol, address.ip, req.peerId)
    let swarm = table.get(infoHash)
    let peer = swarm?.classic(address.family)?.get(key)
    if (event === 'stopped') {
      if (swarm !== undefined && peer !== undefined) table.leaveClassic(swarm, peer)
      return this.answerClassic(req, swarm, null, reply)
    }
    const isSeeder = req.left === 0 || event === 'completed'
    if (swarm === undefined || peer === undefined) {
      if (swarm !== undefined && swarm.size >= this.limits.maxPeersPerSwarm) {
        this.counters.refused[protocol]++
        return reply({ kind: 'refused', reason: 'swarm is full' })
      }
      swarm = table.swarm(infoHash)
      peer = table.addClassic(swarm, protocol, key, req.peerId, address, isSeeder, now)
      if (event === 'completed') swarm.downloaded++
    } else {
      peer.lastSeen = now
      if (peer.owner.port !== address.port) peer.owner = address
      if (event === 'completed' && !peer.complete) swarm.downloaded++
      if (isSeeder) swarm.setComplete(peer, true)
      else if (Number.isFinite(req.left)) swarm.setComplete(peer, false)
    }
    this.answerClassic(req, swarm, peer, reply)
  }

  /**
   * The table has taken the announce (`peer` null: it was a stop): reply with the swarm's counts and
   * classic peers of the client's family. The shared tracker (redis/) answers from Redis instead.
   */
  protected answerClassic(req: ClassicAnnounce, swarm: Swarm<O> | undefined, peer: ClassicPeer | null, reply: Reply<ClassicAnnounceReply | Refusal>): void {
    if (swarm === undefined || peer === null) return reply({ kind: 'peers', counts: swarm?.counts() ?? EMPTY_COUNTS, peers: NO_PEERS, peers6: NO_PEERS })
    const family = req.address.family
    const same = pickClassic(swarm.classic(family), peer, req.numwant)
    const other = req.otherFamily ? pickClassic(swarm.classic(family === 4 ? 6 : 4), peer, req.numwant) : NO_PEERS
    reply({
      kind: 'peers',
      counts: swarm.counts(),
      peers: family === 4 ? same : other,
      peers6: family === 4 ? other : same,
    })
  }

  // ---- browsers (WebSocket) ----

  announceRtc(owner: O, req: RtcAnnounce, out: RtcMessenger<O>): void {
    this.counters.announces.ws++
    const { infoHash, peerId, event } = req
    const limits = this.limits
    const now = this.clock()
    let swarm = this.table.get(infoHash)
    let peer = swarm?.rtc?.get(peerId)
    if (peer !== undefined && peer.owner !== owner) return this.refuseRtc(out, owner, infoHash, 'peer_id belongs to another connection')
    const isSeeder = req.left === 0 || event === 'completed'
    if (swarm === undefined || peer === undefined) {
      if (ownedPeer(owner, infoHash) !== undefined) {
        return this.refuseRtc(out, owner, infoHash, 'this connection already announced another peer_id in this swarm')
      }
      if (event === 'stopped') return this.answerRtc(owner, req, swarm, null, out)
      if (owner.peers !== null && owner.peers.length >= limits.maxSwarmsPerSocket) {
        return this.refuseRtc(out, owner, infoHash, `too many swarms on one connection (at most ${limits.maxSwarmsPerSocket})`)
      }
      if (swarm !== undefined && swarm.size >= limits.maxPeersPerSwarm) return this.refuseRtc(out, owner, infoHash, 'swarm is full')
      swarm = this.table.swarm(infoHash)
      peer = this.table.addRtc(swarm, peerId, owner, isSeeder, now)
      // [peer], not [].push(peer): an array grown by push reserves 17 slots; most sockets are in one swarm.
      if (owner.peers === null) owner.peers = [peer]
      else owner.peers.push(peer)
      if (event === 'completed') swarm.downloaded++
    } else {
      peer.lastSeen = now
      if (event === 'stopped') {
        this.table.leaveRtc(peer)
        forget(owner, peer)
        return this.answerRtc(owner, req, swarm, peer, out)
      }
      if (event === 'completed' && !peer.complete) swarm.downloaded++
      if (isSeeder) swarm.setComplete(peer, true)
    }
    this.answerRtc(owner, req, swarm, peer, out)
  }

  /**
   * The table has taken the announce (a `stopped` peer has left it; `peer` is null when it was not
   * there): tell the announcer its swarm's counts and relay its offers to other browser peers. The
   * shared tracker (redis/) takes both from Redis instead.
   */
  protected answerRtc(owner: O, req: RtcAnnounce, swarm: Swarm<O> | undefined, peer: RtcPeer<O> | null, out: RtcMessenger<O>): void {
    const infoHash = req.infoHash
    out.announced(owner, infoHash, this.interval, swarm?.counts() ?? EMPTY_COUNTS)
    const offers = req.offers
    if (swarm === undefined || peer === null || req.event === 'stopped' || offers.length === 0 || swarm.rtc === null) return
    const now = this.clock()
    const targets = swarm.rtc.pick(peer, offers.length)
    for (let i = 0; i < targets.length; i++) {
      const target = targets[i] as RtcPeer<O>
      const o = offers[i] as Offer
      if (out.offer(target.owner, infoHash, req.peerId, o)) {
        rememberOffer(target, o.offerId, req.peerId, now, this.limits.maxPendingOffersPerPeer)
        this.counters.offersRelayed++
      }
    }
  }

  answer(owner: O, req: RtcAnswer, out: RtcMessenger<O>): void {
    this.counters.answers++
    const { infoHash, peerId } = req
    const now = this.clock()
    const swarm = this.table.get(infoHash)
    const me = swarm?.rtc?.get(peerId)
    if (swarm === undefined || me === undefined || me.owner !== owner) {
      return this.refuseRtc(out, owner, infoHash, 'answer from a peer_id this connection did not announce')
    }
    me.lastSeen = now
    const offer = takeOffer(me, req.offerId, req.toPeerId, now, this.timing.offerTtl * 1000)
    if (offer === null) return this.refuseRtc(out, owner, infoHash, 'answer to an unknown or stale offer')
    this.passAnswer(owner, swarm, req, offer, out)
  }

  /** A fresh answer goes to the offerer (the shared tracker: on whichever node holds its socket). */
  protected passAnswer(owner: O, swarm: Swarm<O>, req: RtcAnswer, _offer: PendingOffer, out: RtcMessenger<O>): void {
    const to = swarm.rtc?.get(req.toPeerId)
    if (to === undefined) return this.refuseRtc(out, owner, req.infoHash, 'the offering peer has left')
    if (out.answer(to.owner, req.infoHash, req.peerId, req.offerId, req.answer)) this.counters.answersRelayed++
  }

  /** A closed connection's peers leave all their swarms at once. */
  leaveAll(owner: O): void {
    const peers = owner.peers
    if (peers !== null) for (const p of peers) this.table.leaveRtc(p)
    owner.peers = null
  }

  protected refuseRtc(out: RtcMessenger<O>, owner: O, infoHash: string, reason: string): void {
    this.counters.refused.ws++
    out.refused(owner, infoHash, reason)
  }

  // ---- every protocol ----

  /** BEP 48 counts for each info hash asked about, in order; unknown torrents count zero. */
  scrape(protocol: Protocol, req: ScrapeRequest, reply: Reply<SwarmCounts[]>): void {
    this.counters.scrapes[protocol]++
    const out: SwarmCounts[] = []
    for (const h of req.infoHashes) out.push(this.table.get(h)?.counts() ?? EMPTY_COUNTS)
    reply(out)
  }

  /** Peers silent longer than peerTtl leave; offers older than offerTtl are forgotten. */
  expire(): number {
    const now = this.clock()
    const removed = this.table.expire(now - this.timing.peerTtl * 1000, now - this.timing.offerTtl * 1000, p => forget(p.owner, p))
    this.counters.peersExpired += removed
    return removed
  }
}

/**
 * Up to `count` classic peers of one family other than the asker and its own address (the same
 * client announced over the other protocol). A seeder gets leechers first and seeders fill the rest:
 * a client started from a magnet link says left=0 before it has the metadata (aria2c does), and must
 * still find the seeders to fetch it from (as tracker/redis/lua/announce-classic.lua does).
 */
function pickClassic(set: PeerSet<ClassicPeer> | null, self: ClassicPeer, count: number): readonly ClassicPeer[] {
  if (set === null || count <= 0) return NO_PEERS as readonly ClassicPeer[]
  const compact = self.owner.compact
  if (!self.complete) return set.pick(self, count, p => p.owner.compact !== compact)
  return set.pick(self, count, p => !p.complete && p.owner.compact !== compact, p => p.complete && p.owner.compact !== compact)
}

export function ownedPeer<O extends RtcOwner<O>>(owner: O, infoHash: string): RtcPeer<O> | undefined {
  const peers = owner.peers
  if (peers === null) return undefined
  for (const p of peers) if (p.swarm.infoHash === infoHash) return p
  return undefined
}

export function forget<O extends RtcOwner<O>>(owner: O, peer: RtcPeer<O>): void {
  const peers = owner.peers
  if (peers === null) return
  const i = peers.indexOf(peer)
  if (i === -1) return
  peers[i] = peers[peers.length - 1] as RtcPeer<O>
  peers.pop()
}
