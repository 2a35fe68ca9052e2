// The tracker's behaviour: what each validated request does to the swarms and who hears about it.
// server.ts feeds it sockets and text frames; protocol.ts turns frames into requests; swarms.ts holds
// the state. Rules beyond bittorrent-tracker (after aquatic_ws): a peer_id belongs to the socket that
// first announced it in a swarm, answers are relayed only for a fresh offer that was relayed to the
// answerer, a closed socket leaves every swarm at once, and every client-controlled quantity is bounded.

import type { RawData, WebSocket } from 'ws'
import { Conn } from './connection.ts'
import type { Limits, Timing } from './limits.ts'
import type { Logger } from './log.ts'
import {
  encodeAnnounceReply, encodeAnswer, encodeFailure, encodeOffer, encodeScrapeReply, parseRequest,
  type AnnounceRequest, type AnswerRequest, type Invalid, type ScrapeEntry, type ScrapeRequest,
} from './protocol.ts'
import { Peer, SwarmRegistry, rememberOffer, takeOffer } from './swarms.ts'

/** Running totals since start; metrics.ts and /stats read them. */
export interface TrackerCounters {
  messages: number
  announces: number
  answers: number
  scrapes: number
  offersRelayed: number
  answersRelayed: number
  failures: number
  rateLimited: number
  connectionsOpened: number
  connectionsRejected: number
  heartbeatDrops: number
  peersExpired: number
}

const CONN = Symbol('swarmdrop.conn')
type TrackedSocket = WebSocket & { [CONN]?: Conn }

/** Close codes (RFC 6455 section 7.4.1). */
const GOING_AWAY = 1001
const POLICY_VIOLATION = 1008

export class Tracker {
  readonly registry = new SwarmRegistry()
  readonly conns = new Set<Conn>()
  readonly connsPerIp = new Map<string, number>()
  readonly counters: TrackerCounters = {
    messages: 0, announces: 0, answers: 0, scrapes: 0, offersRelayed: 0, answersRelayed: 0, failures: 0,
    rateLimited: 0, connectionsOpened: 0, connectionsRejected: 0, heartbeatDrops: 0, peersExpired: 0,
  }
  private readonly intervalSeconds: number
  // Listeners shared by every socket (no closure per socket): `this` is the socket.
  private readonly onWsMessage: (this: TrackedSocket, data: RawData) => void
  private readonly onWsClose: (this: TrackedSocket) => void
  private readonly onWsPong: (this: TrackedSocket) => void

  constructor(
    readonly limits: Limits,
    readonly timing: Timing,
    readonly log: Logger,
    readonly clock: () => number = () => Math.floor(performance.now()),
  ) {
    this.intervalSeconds = Math.max(1, Math.round(timing.interval))
    const tracker = this
    this.onWsMessage = function (data) {
      const conn = this[CONN]
      if (conn !== undefined) tracker.onMessage(conn, rawToString(data))
    }
    this.onWsClose = function () {
      const conn = this[CONN]
      if (conn !== undefined) tracker.onClose(conn)
    }
    this.onWsPong = function () {
      const conn = this[CONN]
      if (conn !== undefined) conn.alive = true
    }
  }

  /** Room for one more connection from `ip`? (Checked before the upgrade completes.) */
  admits(ip: string): 'ok' | 'full' | 'ip' {
    if (this.conns.size >= this.limits.maxConnections) return 'full'
    const perIp = this.limits.maxConnectionsPerIp
    if (perIp > 0 && (this.connsPerIp.get(ip) ?? 0) >= perIp) return 'ip'
    return 'ok'
  }

  attach(ws: WebSocket, ip: string): Conn {
    const conn = new Conn(ws, ip, this.limits.messageBurst, this.clock())
    const tracked = ws as TrackedSocket
    tracked[CONN] = conn
    ws.on('message', this.onWsMessage)
    ws.on('close', this.onWsClose)
    ws.on('pong', this.onWsPong)
    ws.on('error', ignore)
    this.conns.add(conn)
    this.connsPerIp.set(ip, (this.connsPerIp.get(ip) ?? 0) + 1)
    this.counters.connectionsOpened++
    return conn
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
        conn.ws.close(POLICY_VIOLATION, 'rate limit')
        this.onClose(conn)
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
    conn.send(encodeFailure(reason, action, infoHash), this.limits.maxBufferedBytes)
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
        return void conn.send(encodeAnnounceReply(infoHash, this.intervalSeconds, swarm?.complete ?? 0, swarm?.incomplete ?? 0), limits.maxBufferedBytes)
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
      ;(conn.peers ??= []).push(peer)
      if (event === 'completed') swarm.downloaded++
    } else {
      swarm = peer.swarm
      peer.lastSeen = now
      if (event === 'stopped') {
        this.registry.leave(peer)
        conn.forget(peer)
        return void conn.send(encodeAnnounceReply(infoHash, this.intervalSeconds, swarm.complete, swarm.incomplete), limits.maxBufferedBytes)
      }
      if (event === 'completed' && !peer.complete) swarm.downloaded++
      if (isSeeder) swarm.markComplete(peer)
    }
    conn.send(encodeAnnounceReply(infoHash, this.intervalSeconds, swarm.complete, swarm.incomplete), limits.maxBufferedBytes)

    const offers = req.offers
    if (offers.length === 0) return
    const targets = swarm.pickOthers(peer, offers.length)
    for (let i = 0; i < targets.length; i++) {
      const target = targets[i] as Peer
      const o = offers[i] as (typeof offers)[number]
      if ((target.owner as Conn).send(encodeOffer(infoHash, peerId, o.offerId, o.offer), limits.maxBufferedBytes)) {
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
    if ((to.owner as Conn).send(encodeAnswer(infoHash, peerId, req.offerId, req.answer), this.limits.maxBufferedBytes)) {
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
    conn.send(encodeScrapeReply(files, this.intervalSeconds), this.limits.maxBufferedBytes)
  }

  /** The socket is gone (or we closed it): its peers leave all their swarms at once. */
  onClose(conn: Conn): void {
    if (conn.closed) return
    conn.closed = true
    const peers = conn.peers
    if (peers !== null) for (const p of peers) this.registry.leave(p)
    conn.peers = null
    this.conns.delete(conn)
    const n = (this.connsPerIp.get(conn.ip) ?? 1) - 1
    if (n <= 0) this.connsPerIp.delete(conn.ip)
    else this.connsPerIp.set(conn.ip, n)
  }

  /** Ping every socket; drop those that did not answer the last ping or sent nothing for too long. */
  heartbeat(): void {
    const now = this.clock()
    const idleMs = this.timing.idleTimeout * 1000
    for (const conn of this.conns) {
      if (!conn.alive || now - conn.lastMessageAt > idleMs) {
        this.counters.heartbeatDrops++
        conn.ws.terminate()
        this.onClose(conn)
        continue
      }
      conn.alive = false
      conn.ws.ping()
    }
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

  /** Graceful shutdown: tell every client we are going away. */
  closeAll(): void {
    for (const conn of [...this.conns]) {
      conn.ws.close(GOING_AWAY, 'server shutting down')
      this.onClose(conn)
    }
  }
}

function ignore(): void {}

function rawToString(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8')
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8')
  return Buffer.from(data).toString('utf8')
}
