// The tracker's behaviour: what each validated request does to the swarms and who hears about it.
// server.ts feeds it sockets and text frames; protocol.ts turns frames into requests; swarms.ts holds
// the state. Rules beyond bittorrent-tracker (after aquatic_ws): a peer_id belongs to the socket that
// first announced it in a swarm, answers are relayed only for a fresh offer that was relayed to the
// answerer, a closed socket leaves every swarm at once, and every client-controlled quantity is bounded.

import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { Conn } from './connection.ts'
import type { Limits, Timing } from './limits.ts'
import type { Logger } from './log.ts'
import {
  encodeAnnounceReply, encodeAnswer, encodeFailure, encodeOffer, encodeScrapeReply, parseRequest, relayPrefix,
  type AnnounceRequest, type AnswerRequest, type Invalid, type ScrapeEntry, type ScrapeRequest,
} from './protocol.ts'
import { Peer, SwarmRegistry, rememberOffer, takeOffer } from './swarms.ts'
import { CloseCode, PING, encodeClose, encodeControlFrame, encodeTextFrames, readFrames, type FrameSink } from './websocket.ts'

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
  /** Messages sent, and socket writes they took (several messages to one socket in a turn share one). */
  messagesSent: number
  socketWrites: number
}

/**
 * Socket -> connection. A WeakMap, not a property on the socket: adding a property to a net.Socket
 * turns it into a dictionary-mode object (about 800 bytes more per socket, measured with a heap
 * snapshot at 2000 idle sockets).
 */
type TrackedSocket = Duplex

/** Messages queued for one socket within one event-loop turn; past it the socket is too slow. */
const MAX_OUTBOX = 1024

export class Tracker {
  readonly registry = new SwarmRegistry()
  readonly conns = new Set<Conn>()
  readonly connsPerIp = new Map<string, number>()
  /** Sockets we sent a close frame on, waiting for the client to close; bounded by connections. */
  readonly closing = new Map<Duplex, number>()
  private readonly connOf = new WeakMap<Duplex, Conn>()
  readonly counters: TrackerCounters = {
    messages: 0, announces: 0, answers: 0, scrapes: 0, offersRelayed: 0, answersRelayed: 0, failures: 0,
    rateLimited: 0, connectionsOpened: 0, connectionsRejected: 0, heartbeatDrops: 0, peersExpired: 0,
    messagesSent: 0, socketWrites: 0,
  }
  private readonly intervalSeconds: number
  // Listeners shared by every socket (no closure per socket): `this` is the socket.
  private readonly onSocketData: (this: TrackedSocket, chunk: Buffer) => void
  private readonly onSocketClose: (this: TrackedSocket) => void
  private readonly frames: FrameSink<Conn>
  /** Connections with queued messages, written out together once per event-loop turn. */
  private dirty: Conn[] = []
  private flushScheduled = false
  private readonly flush = (): void => {
    this.flushScheduled = false
    const dirty = this.dirty
    this.dirty = []
    for (const conn of dirty) this.writeOutbox(conn)
  }

  constructor(
    readonly limits: Limits,
    readonly timing: Timing,
    readonly log: Logger,
    readonly clock: () => number = () => Math.floor(performance.now()),
  ) {
    this.intervalSeconds = Math.max(1, Math.round(timing.interval))
    const tracker = this
    this.frames = {
      message: (conn, text) => tracker.onMessage(conn, text),
      ping: (conn, payload) => { if (!conn.closed) conn.socket.write(encodeControlFrame(0xa, payload)) },
      pong: conn => { conn.alive = true },
      close: (conn, code, reason) => tracker.close(conn, code === CloseCode.noStatus ? CloseCode.normal : code, reason),
    }
    const connOf = this.connOf
    this.onSocketData = function (chunk) {
      const conn = connOf.get(this)
      if (conn !== undefined && !conn.closed) readFrames(conn, chunk, tracker.limits.maxMessageBytes, tracker.frames)
    }
    this.onSocketClose = function () {
      tracker.closing.delete(this)
      const conn = connOf.get(this)
      if (conn !== undefined) tracker.onClose(conn)
    }
  }

  /** Room for one more connection from `ip`? (Checked before the upgrade completes.) */
  admits(ip: string): 'ok' | 'full' | 'ip' {
    if (this.conns.size >= this.limits.maxConnections) return 'full'
    const perIp = this.limits.maxConnectionsPerIp
    if (perIp > 0 && (this.connsPerIp.get(ip) ?? 0) >= perIp) return 'ip'
    return 'ok'
  }

  /** Take over a socket whose WebSocket handshake was just accepted; `head` is what came after it. */
  attach(socket: Duplex, ip: string, head: Buffer): Conn {
    const conn = new Conn(socket, ip, this.limits.messageBurst, this.clock())
    this.connOf.set(socket, conn)
    ;(socket as Socket).setNoDelay?.(true)
    ;(socket as Socket).setTimeout?.(0)
    socket.on('data', this.onSocketData)
    socket.on('close', this.onSocketClose)
    socket.on('end', endSocket)
    // An 'error' listener must exist (server.ts adds one that destroys); errors are followed by 'close'.
    if (socket.listenerCount('error') === 0) socket.on('error', ignore)
    this.conns.add(conn)
    this.connsPerIp.set(ip, (this.connsPerIp.get(ip) ?? 0) + 1)
    this.counters.connectionsOpened++
    if (head.length > 0) readFrames(conn, head, this.limits.maxMessageBytes, this.frames)
    return conn
  }

  /**
   * Queue a message; all messages for a socket in one event-loop turn leave in one write (answers to
   * one offerer often arrive together). A socket that stopped reading is dropped, not buffered for.
   */
  send(conn: Conn, text: string): boolean {
    if (conn.closed) return false
    if (conn.socket.writableLength > this.limits.maxBufferedBytes) {
      this.terminate(conn)
      return false
    }
    const outbox = conn.outbox
    if (outbox === null) {
      conn.outbox = [text]
      this.dirty.push(conn)
      if (!this.flushScheduled) {
        this.flushScheduled = true
        setImmediate(this.flush)
      }
    } else if (outbox.length < MAX_OUTBOX) outbox.push(text)
    else {
      this.terminate(conn)
      return false
    }
    return true
  }

  private writeOutbox(conn: Conn): void {
    const outbox = conn.outbox
    conn.outbox = null
    if (outbox === null || conn.closed) return
    this.counters.messagesSent += outbox.length
    this.counters.socketWrites++
    conn.socket.write(encodeTextFrames(outbox))
  }

  /** Close with a close frame (RFC 6455 7.1.2), after anything still queued; the socket is ended. */
  close(conn: Conn, code: number, reason: string): void {
    if (conn.closed) return
    this.writeOutbox(conn)
    const socket = conn.socket
    this.onClose(conn)
    socket.end(encodeClose(code, reason))
    // A client that never closes its side must not keep the socket: reapClosing destroys it.
    this.closing.set(socket, this.clock())
  }

  /** Destroy sockets we closed more than 2 s ago whose clients never finished the closing handshake. */
  reapClosing(): void {
    const cutoff = this.clock() - 2000
    for (const [socket, at] of this.closing) {
      if (at > cutoff) continue
      this.closing.delete(socket)
      socket.destroy()
    }
  }

  /** Drop without a closing handshake (dead or hopelessly slow peers). */
  terminate(conn: Conn): void {
    this.onClose(conn)
    conn.socket.destroy()
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

  /** The socket is gone (or we closed it): its peers leave all their swarms at once. */
  onClose(conn: Conn): void {
    if (conn.closed) return
    conn.closed = true
    conn.outbox = null
    conn.rest = null
    conn.fragments = null
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
        this.terminate(conn)
        continue
      }
      conn.alive = false
      conn.socket.write(PING)
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
    for (const conn of [...this.conns]) this.close(conn, CloseCode.goingAway, 'server shutting down')
  }
}

function ignore(): void {}

function endSocket(this: Duplex): void {
  this.end()
}

