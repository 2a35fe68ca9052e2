// The socket side of the tracker: it takes over upgraded sockets, reads WebSocket frames
// (websocket.ts), writes each socket's messages of one event-loop turn as one buffer, closes with the
// closing handshake, pings, and counts. What the messages mean is Tracker's (tracker.ts), which
// extends this class with onMessage and connectionClosed.

import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { Conn } from './connection.ts'
import type { Limits, Timing } from './limits.ts'
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

export abstract class Sockets {
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
    readonly clock: () => number,
  ) {
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

  /** One text message from a client. */
  abstract onMessage(conn: Conn, text: string): void

  /** The connection is closed: drop what it owned. */
  protected abstract connectionClosed(conn: Conn): void

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

  /** The socket is gone (or we closed it); subclasses drop what it owned in connectionClosed. */
  onClose(conn: Conn): void {
    if (conn.closed) return
    conn.closed = true
    conn.outbox = null
    conn.rest = null
    conn.fragments = null
    this.connectionClosed(conn)
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

