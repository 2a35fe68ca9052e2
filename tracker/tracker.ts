// The tracker's behaviour: what each validated request does to the swarms and who hears about it.
// Its base class (sockets.ts) owns the sockets and hands it text messages; protocol.ts turns them
// into requests; swarms.ts holds the state. Rules beyond bittorrent-tracker (after aquatic_ws): a
// peer_id belongs to the socket that first announced it in a swarm, answers are relayed only for a
// fresh offer that was relayed to the answerer, a closed socket leaves every swarm at once, and every
// client-controlled quantity is bounded.

import type { Conn } from './connection.ts'
import type { Limits, Timing } from './limits.ts'
import type { Logger } from './log.ts'
import {
  encodeAnnounceReply, encodeAnswer, encodeFailure, encodeOffer, encodeScrapeReply, parseRequest, relayPrefix,
  type AnnounceRequest, type AnswerRequest, type Invalid, type ScrapeEntry, type ScrapeRequest,
} from './protocol.ts'
import { Peer, SwarmRegistry, rememberOffer, takeOffer } from './swarms.ts'
import { Sockets } from './sockets.ts'
import { CloseCode } from './websocket.ts'

export type { TrackerCounters } from './sockets.ts'

export class Tracker extends Sockets {
  readonly registry = new SwarmRegistry()
  private readonly intervalSeconds: number
  constructor(
    limits: Limits,
    timing: Timing,
    readonly log: Logger,
    clock: () => number = () => Math.floor(performance.now()),
  ) {
    super(limits, timing, clock)
    this.intervalSeconds = Math.max(1, Math.round(timing.interval))
  }

  /** A closed socket's peers leave all their swarms at once. */
  protected connectionClosed(conn: Conn): void {
    const peers = conn.peers
    if (peers !== null) for (const p of peers) this.registry.leave(p)
    conn.peers = null
  }

  onMessage(conn: Conn, text: string): void {
    if (conn.closed) return
    const now = this.clock()
    const limits = this.limits
    this.counters.messages++
    conn.lastMessageAt = now
    conn.alive = true
    if (!conn.take(now, limits.messagesPerSecond, limits.messageBurst)) {
      this.counters.rateLimited++
      conn.dropped++
      if (conn.dropped === 1) {
        // Tell the client once per episode, keeping action and info_hash so a WebTorrent client
        // shows a warning instead of tearing its socket down.
        const req = parseRequest(text, limits)
        const action = req.kind === 'invalid' ? req.action : req.kind === 'scrape' ? 'scrape' : 'announce'
        const infoHash = req.kind === 'invalid' ? req.infoHash : req.kind === 'scrape' ? undefined : req.infoHash
        this.fail(conn, 'rate limit exceeded: slow down', action, infoHash)
      } else if (conn.dropped > limits.maxDroppedMessages) {
        this.log.info('closing socket over rate limit', { ip: conn.ip })
        this.close(conn, CloseCode.policyViolation, 'rate limit')
      }
      return
    }
    conn.dropped = 0
    const req = parseRequest(text, limits)
    switch (req.kind) {
      case 'announce': return this.announce(conn, req, now)
      case 'answer': return this.answer(conn, req, now)
      case 'scrape': return this.scrape(conn, req)
      case 'invalid': return this.invalid(conn, req)
    }
  }

  private invalid(conn: Conn, req: Invalid): void {
    this.fail(conn, req.reason, req.action, req.infoHash)
  }

  private fail(conn: Conn, reason: string, action?: 'announce' | 'scrape', infoHash?: string): void {
    this.counters.failures++
    this.send(conn, encodeFailure(reason, action, infoHash))
  }

  private announce(conn: Conn, req: AnnounceRequest, now: number): void {
    this.counters.announces++
    const { infoHash, peerId, event } = req
    const limits = this.limits
    let swarm = this.registry.get(infoHash)
    let peer = swarm?.peers.get(peerId)
    if (peer !== undefined && peer.owner !== conn) {
      return this.fail(conn, 'peer_id belongs to another connection', 'announce', infoHash)
    }
    const isSeeder = req.left === 0 || event === 'completed'
    if (peer === undefined) {
      if (conn.ownedPeer(infoHash) !== undefined) {
        return this.fail(conn, 'this connection already announced another peer_id in this swarm', 'announce', infoHash)
      }
      if (event === 'stopped') {
        return void this.send(conn, encodeAnnounceReply(infoHash, this.intervalSeconds, swarm?.complete ?? 0, swarm?.incomplete ?? 0))
      }
      if (conn.peers !== null && conn.peers.length >= limits.maxSwarmsPerSocket) {
        return this.fail(conn, `too many swarms on one connection (at most ${limits.maxSwarmsPerSocket})`, 'announce', infoHash)
      }
      if (swarm !== undefined && swarm.list.length >= limits.maxPeersPerSwarm) {
        return this.fail(conn, 'swarm is full', 'announce', infoHash)
      }
      swarm ??= this.registry.getOrCreate(infoHash)
      peer = new Peer(swarm, peerId, conn, isSeeder, now)
      swarm.add(peer)
      // [peer], not [].push(peer): an array grown by push reserves 17 slots; most sockets are in one swarm.
      if (conn.peers === null) conn.peers = [peer]
      else conn.peers.push(peer)
      if (event === 'completed') swarm.downloaded++
    } else {
      swarm = peer.swarm
      peer.lastSeen = now
      if (event === 'stopped') {
        this.registry.leave(peer)
        conn.forget(peer)
        return void this.send(conn, encodeAnnounceReply(infoHash, this.intervalSeconds, swarm.complete, swarm.incomplete))
      }
      if (event === 'completed' && !peer.complete) swarm.downloaded++
      if (isSeeder) swarm.markComplete(peer)
    }
    this.send(conn, encodeAnnounceReply(infoHash, this.intervalSeconds, swarm.complete, swarm.incomplete))

    const offers = req.offers
    if (offers.length === 0) return
    const targets = swarm.pickOthers(peer, offers.length)
    const prefix = relayPrefix(infoHash, peerId)
    for (let i = 0; i < targets.length; i++) {
      const target = targets[i] as Peer
      const o = offers[i] as (typeof offers)[number]
      if (this.send(target.owner as Conn, encodeOffer(prefix, o.offerId, o.offer))) {
        rememberOffer(target, o.offerId, peerId, now, limits.maxPendingOffersPerPeer)
        this.counters.offersRelayed++
      }
    }
  }

  private answer(conn: Conn, req: AnswerRequest, now: number): void {
    this.counters.answers++
    const { infoHash, peerId } = req
    const swarm = this.registry.get(infoHash)
    const me = swarm?.peers.get(peerId)
    if (swarm === undefined || me === undefined || me.owner !== conn) {
      return this.fail(conn, 'answer from a peer_id this connection did not announce', 'announce', infoHash)
    }
    me.lastSeen = now
    if (!takeOffer(me, req.offerId, req.toPeerId, now, this.timing.offerTtl * 1000)) {
      return this.fail(conn, 'answer to an unknown or stale offer', 'announce', infoHash)
    }
    const to = swarm.peers.get(req.toPeerId)
    if (to === undefined) return this.fail(conn, 'the offering peer has left', 'announce', infoHash)
    if (this.send(to.owner as Conn, encodeAnswer(relayPrefix(infoHash, peerId), req.offerId, req.answer))) {
      this.counters.answersRelayed++
    }
  }

  private scrape(conn: Conn, req: ScrapeRequest): void {
    this.counters.scrapes++
    const files = new Map<string, ScrapeEntry>()
    for (const h of req.infoHashes) {
      const s = this.registry.get(h)
      files.set(h, { complete: s?.complete ?? 0, incomplete: s?.incomplete ?? 0, downloaded: s?.downloaded ?? 0 })
    }
    this.send(conn, encodeScrapeReply(files, this.intervalSeconds))
  }

  /** Peers silent longer than peerTtl leave; offers older than offerTtl are forgotten. */
  expire(): number {
    const now = this.clock()
    const removed = this.registry.expire(
      now - this.timing.peerTtl * 1000,
      now - this.timing.offerTtl * 1000,
      p => (p.owner as Conn).forget(p),
    )
    this.counters.peersExpired += removed
    return removed
  }
}
