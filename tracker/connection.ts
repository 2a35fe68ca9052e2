// One client WebSocket and what the tracker knows about it: the peers it owns (one per swarm it is
// in), its token bucket, and its heartbeat flag. Kept small on purpose: at 10k idle sockets every
// field counts (see bench/tracker), so no closures per socket; listeners are shared functions.

import type { WebSocket } from 'ws'
import type { Peer } from './swarms.ts'

const OPEN = 1

export class Conn {
  /** Peers this socket announced, one per swarm (null until the first announce). */
  peers: Peer[] | null = null
  tokens: number
  refilledAt: number
  /** Messages dropped in a row for being over the rate. */
  dropped = 0
  /** Cleared by each heartbeat ping, set by a pong or any message. */
  alive = true
  lastMessageAt: number
  closed = false

  constructor(readonly ws: WebSocket, readonly ip: string, burst: number, now: number) {
    this.tokens = burst
    this.refilledAt = now
    this.lastMessageAt = now
  }

  /** Take one token; false when the bucket is empty (rate per second, burst = bucket size). */
  take(now: number, rate: number, burst: number): boolean {
    const elapsed = now - this.refilledAt
    if (elapsed > 0) {
      this.tokens = Math.min(burst, this.tokens + (elapsed * rate) / 1000)
      this.refilledAt = now
    }
    if (this.tokens < 1) return false
    this.tokens -= 1
    return true
  }

  /** Send unless closed; a socket that stopped reading (queue past maxBuffered) is dropped instead. */
  send(text: string, maxBuffered: number): boolean {
    const ws = this.ws
    if (this.closed || ws.readyState !== OPEN) return false
    if (ws.bufferedAmount > maxBuffered) {
      ws.terminate()
      return false
    }
    ws.send(text)
    return true
  }

  ownedPeer(infoHash: string): Peer | undefined {
    const peers = this.peers
    if (peers === null) return undefined
    for (const p of peers) if (p.swarm.infoHash === infoHash) return p
    return undefined
  }

  forget(peer: Peer): void {
    const peers = this.peers
    if (peers === null) return
    const i = peers.indexOf(peer)
    if (i === -1) return
    peers[i] = peers[peers.length - 1] as Peer
    peers.pop()
  }
}
