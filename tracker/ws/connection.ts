// One WebSocket connection and what the tracker knows about it: the browser peers it owns (one per
// swarm it is in), its token bucket, its heartbeat flag, the WebSocket reader's state and the frames
// waiting to be written this turn. Kept small on purpose: at 10k idle sockets every field counts
// (bench/tracker), so no closures per socket; the socket's listeners are shared functions.

import type { Duplex } from 'node:stream'
import { takeToken, type TokenBucket } from '../rate-limit.ts'
import type { RtcPeer } from '../swarms.ts'
import type { RtcOwner } from '../tracker.ts'
import type { FrameState } from './websocket.ts'

export class Conn implements FrameState, RtcOwner<Conn>, TokenBucket {
  /** Peers this socket announced, one per swarm (null until the first announce). */
  peers: RtcPeer<Conn>[] | null = null
  tokens: number
  refilledAt: number
  /** Messages dropped in a row for being over the rate. */
  dropped = 0
  /** Cleared by each heartbeat ping, set by a pong or any message. */
  alive = true
  lastMessageAt: number
  closed = false
  /** Messages queued this event-loop turn; written as one buffer (server.ts flush). */
  outbox: string[] | null = null
  // FrameState (websocket.ts)
  rest: Buffer | null = null
  fragments: Buffer[] | null = null
  fragmentBytes = 0
  fragmentOpcode = 0

  constructor(readonly socket: Duplex, readonly ip: string, burst: number, now: number) {
    this.tokens = burst
    this.refilledAt = now
    this.lastMessageAt = now
  }

  /** Take one token; false when the bucket is empty (rate per second, burst = bucket size). */
  take(now: number, rate: number, burst: number): boolean {
    return takeToken(this, now, rate, burst)
  }
}
