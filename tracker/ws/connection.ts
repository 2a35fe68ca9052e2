// One WebSocket connection and what the tracker knows about it: the browser peers it owns (one per
// swarm it is in), its token bucket, its heartbeat flag, and how many messages it was sent this
// event-loop turn (its socket stays corked until the turn ends).
//
// It is the `ws` WebSocket itself, subclassed through ws's `WebSocket` server option, and it hands
// ws's events straight to the server instead of keeping listeners: at 10k idle sockets a separate
// connection object, a WeakMap entry to find it, four listeners on each WebSocket and ws's automatic
// pong cost about 300 bytes per socket more (heap snapshots, bench/tracker), for nothing.

import type { Duplex } from 'node:stream'
import WebSocket from 'ws'
import { takeToken, type TokenBucket } from '../rate-limit.ts'
import type { RtcPeer } from '../swarms.ts'
import type { RtcOwner } from '../tracker.ts'

/** Where a connection's events go (the WebSocket server, ws/server.ts). */
export interface ConnEvents {
  message(conn: Conn, data: Buffer): void
  /** ws's automatic pong is off (it costs a closure and three fields per socket): the server answers. */
  ping(conn: Conn, data: Buffer): void
  pong(conn: Conn): void
  /** Closed, or a protocol error after which ws closes it (the close frame is already on its way). */
  gone(conn: Conn): void
}

const OPEN = WebSocket.OPEN

/** One unfragmented, unmasked text frame: header (2, 4 or 10 bytes by payload length) and UTF-8 payload. */
export function textFrame(text: string): Buffer {
  const length = Buffer.byteLength(text)
  const head = length < 126 ? 2 : length < 65536 ? 4 : 10
  const frame = Buffer.allocUnsafe(head + length)
  frame[0] = 0x81
  if (head === 2) {
    frame[1] = length
  } else if (head === 4) {
    frame[1] = 126
    frame.writeUInt16BE(length, 2)
  } else {
    frame[1] = 127
    frame.writeUInt32BE(Math.floor(length / 2 ** 32), 2)
    frame.writeUInt32BE(length >>> 0, 6)
  }
  frame.write(text, head, 'utf8')
  return frame
}

export class Conn extends WebSocket implements RtcOwner<Conn>, TokenBucket {
  /** Peers this socket announced, one per swarm (null until the first announce). */
  peers: RtcPeer<Conn>[] | null = null
  tokens = 0
  refilledAt = 0
  /** Messages dropped in a row for being over the rate. */
  dropped = 0
  /** Cleared by each heartbeat ping, set by a pong or any message. */
  alive = true
  lastMessageAt = 0
  closed = false
  /** Messages sent this event-loop turn; non-zero means the socket is corked (server.ts flush). */
  queued = 0
  ip = ''
  /** The raw socket under ws (server.ts corks it); set by attach before any use. */
  socket!: Duplex
  private events: ConnEvents | null = null

  /** Start life as a tracker connection: from here on ws's events go to `events`. */
  attach(socket: Duplex, ip: string, burst: number, now: number, events: ConnEvents): void {
    this.socket = socket
    this.ip = ip
    this.tokens = burst
    this.refilledAt = now
    this.lastMessageAt = now
    this.events = events
  }

  /**
   * Queue one text message on the socket as a single buffer, header and payload together (a frame as
   * ws's Sender frames it: RFC 6455 5.2, FIN, opcode 1, unmasked from a server). ws's send costs two
   * option objects and two entries in the socket's write queue per message, which the tracker pays
   * for every relayed offer and answer. False (nothing written) once the socket is closing: ws sends
   * nothing after its close frame either. Control frames (pings, pongs, close) stay ws's.
   */
  sendText(text: string): boolean {
    if (this.readyState !== OPEN) return false
    this.socket.write(textFrame(text))
    return true
  }

  /** Take one token; false when the bucket is empty (rate per second, burst = bucket size). */
  take(now: number, rate: number, burst: number): boolean {
    return takeToken(this, now, rate, burst)
  }

  override emit(event: string | symbol, a?: unknown, b?: unknown): boolean {
    const events = this.events
    if (events === null) return super.emit(event, a, b)
    switch (event) {
      case 'message': events.message(this, a as Buffer); return true
      case 'ping': events.ping(this, a as Buffer); return true
      case 'pong': events.pong(this); return true
      case 'close': case 'error': events.gone(this); return true
      default: return false
    }
  }
}
