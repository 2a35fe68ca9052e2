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
