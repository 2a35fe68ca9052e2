// The WebSocket side of the tracker (aquatic's socket worker), on the `ws` package in noServer mode:
// server.ts checks an upgrade (origins, limits) and hands it here; `ws` does the handshake, reads
// frames, UTF-8 validation, size limits, control frames and the closing handshake's timeout; our text
// messages are framed by Conn.sendText (one buffer per message, the cheapest thing to queue). Here each socket is
// rate-limited, its messages parsed (protocol.ts) into requests for the core (tracker.ts), and the
// core's replies, offers and answers carried back: a socket's messages of one event-loop turn leave
// in one write (the socket is corked at the first and uncorked when the turn ends). Heartbeats drop
// sockets that stop answering pings.

import type { IncomingMessage } from 'node:http'
import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { WebSocketServer, type Server, type ServerOptions } from 'ws'
import type { Limits, Timing } from '../limits.ts'
import type { Logger } from '../log.ts'
import type { Offer, SwarmCounts } from '../requests.ts'
import type { RtcMessenger, Tracker } from '../tracker.ts'
import { Conn, type ConnEvents } from './connection.ts'
import { CloseCode } from './handshake.ts'
import {
  encodeAnnounceReply, encodeAnswer, encodeFailure, encodeOffer, encodeScrapeReply, parseRequest, relayPrefix, type Invalid,
} from './protocol.ts'

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
  readonly counters: WsCounters = {
    messages: 0, failures: 0, rateLimited: 0, connectionsOpened: 0, connectionsRejected: 0, heartbeatDrops: 0,
    messagesSent: 0, socketWrites: 0,
  }
  private readonly wss: Server<typeof Conn>
  private readonly events: ConnEvents
  private readonly limits: Limits
  private readonly timing: Timing
  private readonly clock: () => number
  private dirty: Conn[] = []
  private flushScheduled = false
  /** The last relay prefix built: offers of one announce share it. */
  private prefixKey = ''
  private prefix = ''

  private readonly flush = (): void => {
    this.flushScheduled = false
    const dirty = this.dirty
    this.dirty = []
    for (const conn of dirty) {
      this.counters.messagesSent += conn.queued
      this.counters.socketWrites++
      conn.queued = 0
      conn.socket.uncork()
    }
  }

  constructor(readonly core: Tracker<Conn>, readonly log: Logger) {
    this.limits = core.limits
    this.timing = core.timing
    this.clock = core.clock
    // closeTimeout (ws 8.23) is not in @types/ws yet.
    const options: ServerOptions<typeof Conn> & { closeTimeout: number } = {
      WebSocket: Conn,
      noServer: true,
      autoPong: false,
      clientTracking: false,
      // Deflate would cost a zlib context per socket (the memory goal) and CPU per message.
      perMessageDeflate: false,
      maxPayload: this.limits.maxMessageBytes,
      closeTimeout: this.timing.closeTimeout * 1000,
    }
    this.wss = new WebSocketServer(options)
    this.events = {
      message: (conn, data) => this.onMessage(conn, data.toString()),
      // A client that pings faster than it reads our pongs is dropped like any slow reader.
      ping: (conn, data) => {
        if (conn.closed) return
        if (conn.socket.writableLength > this.limits.maxBufferedBytes) this.terminate(conn)
        else conn.pong(data)
      },
      pong: conn => { conn.alive = true },
      // Closed, or a protocol error (unmasked frame, bad UTF-8, a message over maxPayload) after which
      // ws has sent the close frame with the right code and destroys the socket after closeTimeout.
      gone: conn => this.onClose(conn),
    }
  }

  /** Room for one more connection from `ip`? (Checked before the upgrade completes.) */
  admits(ip: string): 'ok' | 'full' | 'ip' {
    if (this.conns.size >= this.limits.maxConnections) return 'full'
    const perIp = this.limits.maxConnectionsPerIp
    if (perIp > 0 && (this.connsPerIp.get(ip) ?? 0) >= perIp) return 'ip'
    return 'ok'
  }

  /** Complete an upgrade that server.ts accepted (handshake valid, origin and limits fine). */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, ip: string): void {
    this.wss.handleUpgrade(req, socket, head, ws => this.attach(ws, socket, ip))
  }

  private attach(conn: Conn, socket: Duplex, ip: string): void {
    conn.attach(socket, ip, this.limits.messageBurst, this.clock(), this.events)
    ;(socket as Socket).setNoDelay?.(true)
    ;(socket as Socket).setTimeout?.(0)
    this.conns.add(conn)
    this.connsPerIp.set(ip, (this.connsPerIp.get(ip) ?? 0) + 1)
    this.counters.connectionsOpened++
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
    return this.send(to, encodeOffer(this.relayPrefix(infoHash, fromPeerId), offer.offerId, offer.offer))
  }

  answer(to: Conn, infoHash: string, fromPeerId: string, offerId: string, answer: object): boolean {
    return this.send(to, encodeAnswer(this.relayPrefix(infoHash, fromPeerId), offerId, answer))
  }

  encodeOffer(infoHash: string, fromPeerId: string, offer: Offer): string {
    return encodeOffer(this.relayPrefix(infoHash, fromPeerId), offer.offerId, offer.offer)
  }

  encodeAnswer(infoHash: string, fromPeerId: string, offerId: string, answer: object): string {
    return encodeAnswer(this.relayPrefix(infoHash, fromPeerId), offerId, answer)
  }

  deliver(to: Conn, message: string): boolean {
    return this.send(to, message)
  }

  private relayPrefix(infoHash: string, fromPeerId: string): string {
    const key = infoHash + fromPeerId
    if (key !== this.prefixKey) {
      this.prefixKey = key
      this.prefix = relayPrefix(infoHash, fromPeerId)
    }
    return this.prefix
  }

  refused(to: Conn, infoHash: string, reason: string): void {
    this.fail(to, reason, 'announce', infoHash)
  }

  /**
   * Send a message now, on a socket corked until this event-loop turn ends: all messages for one
   * socket in a turn leave in one write (answers to one offerer often arrive together). A socket that
   * stopped reading is dropped, not buffered for.
   */
  send(conn: Conn, text: string): boolean {
    if (conn.closed) return false
    const socket = conn.socket
    if (socket.writableLength > this.limits.maxBufferedBytes || conn.queued >= this.limits.maxOutboxMessages) {
      this.terminate(conn)
      return false
    }
    if (conn.queued === 0) {
      socket.cork()
      this.dirty.push(conn)
      if (!this.flushScheduled) {
        this.flushScheduled = true
        setImmediate(this.flush)
      }
    }
    conn.queued++
    return conn.sendText(text)
  }

  /** Close with a close frame (RFC 6455 7.1.2) after anything sent this turn; ws destroys the socket if the client does not answer within closeTimeout. */
  close(conn: Conn, code: number, reason: string): void {
    if (conn.closed) return
    this.onClose(conn)
    conn.close(code, reason)
  }

  /** Drop without a closing handshake (dead or hopelessly slow peers). */
  terminate(conn: Conn): void {
    this.onClose(conn)
    conn.terminate()
  }

  /** The socket is gone (or we closed it): its peers leave their swarms. */
  onClose(conn: Conn): void {
    if (conn.closed) return
    conn.closed = true
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
      conn.ping()
    }
  }

  /** Graceful shutdown: tell every client we are going away. */
  closeAll(): void {
    for (const conn of [...this.conns]) this.close(conn, CloseCode.goingAway, 'server shutting down')
  }
}
