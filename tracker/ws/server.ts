// The WebSocket side of the tracker (aquatic's socket worker): it takes over upgraded sockets, reads
// WebSocket frames (websocket.ts), rate-limits each socket, parses messages (protocol.ts) into
// requests for the core (tracker.ts), and carries the core's replies, offers and answers back:
// each socket's messages of one event-loop turn leave as one write. It closes with the closing
// handshake (destroying sockets whose clients never finish it), pings, and counts.

import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import type { Limits, Timing } from '../limits.ts'
import type { Logger } from '../log.ts'
import type { Offer, SwarmCounts } from '../requests.ts'
import type { RtcMessenger, Tracker } from '../tracker.ts'
import { Conn } from './connection.ts'
import {
  encodeAnnounceReply, encodeAnswer, encodeFailure, encodeOffer, encodeScrapeReply, parseRequest, relayPrefix, type Invalid,
} from './protocol.ts'
import { CloseCode, PING, encodeClose, encodeControlFrame, encodeTextFrames, readFrames, type FrameSink } from './websocket.ts'

/** Running totals of the WebSocket side since start; metrics.ts and /stats read them. */
export interface WsCounters {
  messages: number
  /** Failure replies sent (parse failures, refusals, the rate-limit notice). */
  failures: number
  rateLimited: number
  connectionsOpened: number
  connectionsRejected: number
  heartbeatDrops: number
  /** Messages sent, and socket writes they took (several messages to one socket in a turn share one). */
  messagesSent: number
  socketWrites: number
}

export class WsServer implements RtcMessenger<Conn> {
  readonly conns = new Set<Conn>()
  readonly connsPerIp = new Map<string, number>()
  /** Sockets we sent a close frame on, waiting for the client to close; bounded by connections. */
  readonly closing = new Map<Duplex, number>()
  /**
   * Socket -> connection. A WeakMap, not a property on the socket: adding a property to a net.Socket
   * turns it into a dictionary-mode object (about 800 bytes more per socket, measured with a heap
   * snapshot at 2000 idle sockets).
   */
  private readonly connOf = new WeakMap<Duplex, Conn>()
  readonly counters: WsCounters = {
    messages: 0, failures: 0, rateLimited: 0, connectionsOpened: 0, connectionsRejected: 0, heartbeatDrops: 0,
    messagesSent: 0, socketWrites: 0,
  }
  private readonly limits: Limits
  private readonly timing: Timing
  private readonly clock: () => number
  private dirty: Conn[] = []
  private flushScheduled = false
  private readonly frames: FrameSink<Conn>
  // Shared listeners (one function for all sockets, `this` is the socket): no closure per socket.
  private readonly onSocketData: (this: Duplex, chunk: Buffer) => void
  private readonly onSocketClose: (this: Duplex) => void

  private readonly flush = (): void => {
    this.flushScheduled = false
    const dirty = this.dirty
    this.dirty = []
    for (const conn of dirty) this.writeOutbox(conn)
  }

  constructor(readonly core: Tracker<Conn>, readonly log: Logger) {
    this.limits = core.limits
    this.timing = core.timing
    this.clock = core.clock
    const server = this
    this.frames = {
      message: (conn, text) => server.onMessage(conn, text),
      ping: (conn, payload) => { if (!conn.closed) conn.socket.write(encodeControlFrame(0xa, payload)) },
      pong: conn => { conn.alive = true },
      close: (conn, code, reason) => server.close(conn, code === CloseCode.noStatus ? CloseCode.normal : code, reason),
    }
    const connOf = this.connOf
    this.onSocketData = function (chunk) {
      const conn = connOf.get(this)
      if (conn !== undefined && !conn.closed) readFrames(conn, chunk, server.limits.maxMessageBytes, server.frames)
    }
    this.onSocketClose = function () {
      server.closing.delete(this)
      const conn = connOf.get(this)
      if (conn !== undefined) server.onClose(conn)
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

  /** One text message from a client. */
  onMessage(conn: Conn, text: string): void {
    if (conn.closed) return
    const now = this.clock()
    const limits = this.limits
    this.counters.messages++
    conn.lastMessageAt = now
    conn.alive = true
    if (!conn.take(now, limits.messagesPerSecond, limits.messageBurst)) {
      this.counters.rateLimited++
      this.core.reject('ws', 'rate_limited')
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
      case 'announce': return this.core.announceRtc(conn, req, this)
      case 'answer': return this.core.answer(conn, req, this)
      case 'scrape': return this.core.scrape('ws', req, counts => this.send(conn, encodeScrapeReply(req.infoHashes, counts, this.core.interval)))
      case 'invalid': return this.invalid(conn, req)
    }
  }

  private invalid(conn: Conn, req: Invalid): void {
    this.core.reject('ws', req.reason)
    this.fail(conn, req.message, req.action, req.infoHash)
  }

  private fail(conn: Conn, reason: string, action?: 'announce' | 'scrape', infoHash?: string): void {
    this.counters.failures++
    this.send(conn, encodeFailure(reason, action, infoHash))
  }

  // ---- RtcMessenger: what the core says to browsers ----

  announced(to: Conn, infoHash: string, interval: number, counts: SwarmCounts): void {
    this.send(to, encodeAnnounceReply(infoHash, interval, counts.complete, counts.incomplete))
  }

  offer(to: Conn, infoHash: string, fromPeerId: string, offer: Offer): boolean {
    return this.send(to, encodeOffer(relayPrefix(infoHash, fromPeerId), offer.offerId, offer.offer))
  }

  answer(to: Conn, infoHash: string, fromPeerId: string, offerId: string, answer: object): boolean {
    return this.send(to, encodeAnswer(relayPrefix(infoHash, fromPeerId), offerId, answer))
  }

  refused(to: Conn, infoHash: string, reason: string): void {
    this.fail(to, reason, 'announce', infoHash)
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
    } else if (outbox.length < this.limits.maxOutboxMessages) outbox.push(text)
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

  /** Destroy sockets we closed longer than closeTimeout ago whose clients never finished the closing handshake. */
  reapClosing(): void {
    const cutoff = this.clock() - this.timing.closeTimeout * 1000
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

  /** The socket is gone (or we closed it): its peers leave their swarms. */
  onClose(conn: Conn): void {
    if (conn.closed) return
    conn.closed = true
    conn.outbox = null
    conn.rest = null
    conn.fragments = null
    this.core.leaveAll(conn)
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

  /** Graceful shutdown: tell every client we are going away. */
  closeAll(): void {
    for (const conn of [...this.conns]) this.close(conn, CloseCode.goingAway, 'server shutting down')
  }
}

function ignore(): void {}

function endSocket(this: Duplex): void {
  this.end()
}
