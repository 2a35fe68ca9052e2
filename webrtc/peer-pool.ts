import './node-globals.ts'
import SimplePeer from 'simple-peer'
import { toBinaryString } from '../shared/bytes.ts'
import { PEER_ID_PREFIX } from '../shared/peer-id.ts'
import { LANE_SIGNAL_LIMITS, LaneSignal } from './lane-signal.ts'
import type { PeerSignaling, SessionDescription, TrackerOffer } from './signaling.ts'
import { DataChannelTransport } from './webrtc-transport.ts'

// Owns every WebRTC connection of the page (or of the Node peer, given `wrtc`): makes offers for the
// tracker client, answers relayed offers, enforces the connection caps and the timeouts, and hands
// each connected data channel to the engine as a Transport through `onPeer`.

export const PEER_POOL_LIMITS = {
  /** Connected + connecting peers per torrent (WebTorrent's default maxConns is 55). */
  maxPerTorrent: 55,
  /** Connected + connecting peers over all torrents: each RTCPeerConnection costs a thread and ports. */
  maxTotal: 150,
  /** Our offers awaiting an answer, over all torrents (5 per announce, WebTorrent's number). */
  maxPendingOffers: 50,
  /** An offer nobody answered is destroyed after this (WebTorrent: 50 s; aquatic forgets at 120 s). */
  offerTimeoutMs: 50_000,
  /** From answer (or accepted offer) to an open data channel. */
  connectTimeoutMs: 25_000,
  /** Non-trickle SDP waits for ICE gathering; simple-peer gives up waiting after this. */
  iceGatherTimeoutMs: 5_000,
  /**
   * Connections per remote swarmdrop peer: the first plus up to this minus one "lanes", each a full
   * BitTorrent session of its own (lane-signal.ts; docs/architecture.md, "Lanes"). One SCTP association
   * is window-bound across delay and loss; several share the path like several TCP flows. Every lane
   * counts against the caps above, and lanes open only while the torrent uses under half of them, so
   * a big swarm keeps its room for more peers. 1 = no lanes. Never with other clients. 3: at 50 ms
   * 1.2x the MB/s of 2 and at 50 ms + 1 % loss 1.5x, same CPU per MiB (docs/performance.md, "Lanes").
   */
  lanesPerPeer: 3,
  /** The dialled side accepts at most this many lane offers per first connection, ever (lanes closed and reopened). */
  maxLaneOffers: 8,
} as const

export type PeerPoolLimits = { -readonly [K in keyof typeof PEER_POOL_LIMITS]: number }

export interface PeerPoolOptions {
  iceServers?: RTCIceServer[]
  limits?: Partial<PeerPoolLimits>
  /** WebRTC outside a browser: the `@roamhq/wrtc` module (simple-peer's `wrtc` option). */
  wrtc?: SimplePeer.Options['wrtc']
}

interface PendingOffer {
  infoHash: string
  peer: SimplePeer.Instance
  timer: ReturnType<typeof setTimeout>
}

interface Connection {
  infoHash: string
  remotePeerId: string | null
  peer: SimplePeer.Instance
  connected: boolean
  timer: ReturnType<typeof setTimeout> | null
  /** A lane: the first connection to the same peer, which it closes with. */
  first: Connection | null
  /** A first connection's lane signalling, when both ends are swarmdrop. */
  signal: LaneSignal | null
}

/** `initiator`: we made the offer (we dialled); a hybrid torrent's dialled side answers the dialler's handshake (BEP 52).
 *  `lane`: another connection to a remote already connected (peer-pool.ts `lanesPerPeer`): the engine must accept its same peer id. */
export type OnPeer = (infoHash: string, remotePeerId: string, transport: DataChannelTransport, initiator: boolean, lane: boolean) => void

/** simple-peer's RTCPeerConnection, on which the lane signalling channel is made. */
type PeerWithPc = SimplePeer.Instance & { _pc?: RTCPeerConnection | null }

/** Our own peer ids (both the tab's and the Node peer's): the only remotes offered lanes. */
export function isSwarmdropPeerId(peerId: string): boolean {
  return peerId.startsWith(PEER_ID_PREFIX.slice(0, 3))
}

export class PeerPool implements PeerSignaling {
  /** Called once per opened data channel. Without a handler the connection is closed at once. */
  onPeer: OnPeer | null = null
  /** Caps and timeouts; the caps may change while connections exist (settings): they apply to new ones. */
  readonly limits: PeerPoolLimits
  #iceServers: RTCIceServer[]
  #wrtc: SimplePeer.Options['wrtc']
  #offers = new Map<string, PendingOffer>()
  #connections = new Set<Connection>()
  #destroyed = false

  constructor(options: PeerPoolOptions = {}) {
    this.limits = { ...PEER_POOL_LIMITS, ...options.limits }
    this.#iceServers = options.iceServers ?? []
    this.#wrtc = options.wrtc
  }

  setIceServers(iceServers: RTCIceServer[]): void {
    this.#iceServers = iceServers
  }

  /** Connections (connecting or open) for one torrent, or all. */
  connectionCount(infoHash?: string): number {
    let n = 0
    for (const c of this.#connections) if (infoHash === undefined || c.infoHash === infoHash) n++
    return n
  }

  pendingOfferCount(infoHash?: string): number {
    let n = 0
    for (const o of this.#offers.values()) if (infoHash === undefined || o.infoHash === infoHash) n++
    return n
  }

  #room(infoHash: string): number {
    const used = (h?: string) => this.connectionCount(h) + this.pendingOfferCount(h)
    return Math.max(0, Math.min(this.limits.maxPerTorrent - used(infoHash), this.limits.maxTotal - used()))
  }

  #hasPeer(infoHash: string, remotePeerId: string): boolean {
    for (const c of this.#connections) if (c.infoHash === infoHash && c.remotePeerId === remotePeerId) return true
    return false
  }

  /** Lanes (connecting or open), of one torrent or all: already part of connectionCount(). */
  laneCount(infoHash?: string): number {
    let n = 0
    for (const c of this.#connections) if (c.first !== null && (infoHash === undefined || c.infoHash === infoHash)) n++
    return n
  }

  /** Whether one more lane fits: under lanesPerPeer for that peer, and the torrent and the page under half their caps. */
  #laneFits(first: Connection): boolean {
    const used = (h?: string) => this.connectionCount(h) + this.pendingOfferCount(h)
    return (
      !this.#destroyed &&
      this.#connections.has(first) &&
      this.#lanesOf(first) + 1 < this.limits.lanesPerPeer &&
      used(first.infoHash) < this.limits.maxPerTorrent / 2 &&
      used() < this.limits.maxTotal / 2
    )
  }

  #lanesOf(first: Connection): number {
    let n = 0
    for (const c of this.#connections) if (c.first === first) n++
    return n
  }

  async makeOffers(infoHash: string, count: number): Promise<TrackerOffer[]> {
    const n = Math.min(count, this.#room(infoHash), this.limits.maxPendingOffers - this.pendingOfferCount())
    const made = await Promise.all(Array.from({ length: Math.max(0, n) }, () => this.#makeOffer(infoHash)))
    return made.filter((o): o is TrackerOffer => o !== null)
  }

  #makeOffer(infoHash: string): Promise<TrackerOffer | null> {
    if (this.#destroyed) return Promise.resolve(null)
    const peer = this.#newPeer(true)
    const offerId = toBinaryString(crypto.getRandomValues(new Uint8Array(20)))
    const pending: PendingOffer = {
      infoHash,
      peer,
      timer: setTimeout(() => this.#dropOffer(offerId), this.limits.offerTimeoutMs),
    }
    this.#offers.set(offerId, pending)
    peer.once('close', () => this.#dropOffer(offerId))
    return new Promise((resolve) => {
      peer.once('signal', (data: SimplePeer.SignalData) => {
        if (data.type !== 'offer' || typeof data.sdp !== 'string') return resolve(null)
        resolve({ offerId, offer: { type: 'offer', sdp: data.sdp } })
      })
      peer.once('error', () => resolve(null))
    })
  }

  #dropOffer(offerId: string): void {
    const pending = this.#offers.get(offerId)
    if (!pending) return
    this.#offers.delete(offerId)
    clearTimeout(pending.timer)
    // A peer that became a connection is owned by the connection set now.
    if (![...this.#connections].some((c) => c.peer === pending.peer)) pending.peer.destroy()
  }

  acceptAnswer(infoHash: string, remotePeerId: string, offerId: string, answer: SessionDescription): void {
    const pending = this.#offers.get(offerId)
    if (!pending || pending.infoHash !== infoHash || answer.type !== 'answer') return
    this.#offers.delete(offerId)
    clearTimeout(pending.timer)
    if (this.#hasPeer(infoHash, remotePeerId) || this.#destroyed) {
      pending.peer.destroy() // already connected to that peer through another offer or tracker
      return
    }
    this.#track(infoHash, remotePeerId, pending.peer, true)
    try {
      pending.peer.signal(answer)
    } catch {
      pending.peer.destroy()
    }
  }

  async answerOffer(infoHash: string, remotePeerId: string, _offerId: string, offer: SessionDescription): Promise<SessionDescription | null> {
    if (this.#destroyed || offer.type !== 'offer' || this.#room(infoHash) === 0 || this.#hasPeer(infoHash, remotePeerId)) return null
    const peer = this.#newPeer(false)
    this.#track(infoHash, remotePeerId, peer, false)
    return new Promise((resolve) => {
      peer.once('signal', (data: SimplePeer.SignalData) => {
        resolve(data.type === 'answer' && typeof data.sdp === 'string' ? { type: 'answer', sdp: data.sdp } : null)
      })
      peer.once('close', () => resolve(null))
      try {
        peer.signal(offer)
      } catch {
        peer.destroy()
        resolve(null)
      }
    })
  }

  #newPeer(initiator: boolean): SimplePeer.Instance {
    const peer = new SimplePeer({
      initiator,
      trickle: false, // the tracker protocol carries one complete SDP each way
      config: { iceServers: this.#iceServers },
      iceCompleteTimeout: this.limits.iceGatherTimeoutMs,
      ...(this.#wrtc ? { wrtc: this.#wrtc } : {}),
    } as SimplePeer.Options)
    peer.on('error', () => peer.destroy()) // an unhandled 'error' would throw; close handles cleanup
    return peer
  }

  #track(infoHash: string, remotePeerId: string, peer: SimplePeer.Instance, initiator: boolean, first: Connection | null = null): Connection {
    const conn: Connection = { infoHash, remotePeerId, peer, connected: false, timer: null, first, signal: null }
    conn.timer = setTimeout(() => peer.destroy(), this.limits.connectTimeoutMs)
    this.#connections.add(conn)
    peer.once('close', () => {
      if (conn.timer) clearTimeout(conn.timer)
      this.#connections.delete(conn)
      conn.signal?.close()
      // A lane lives only as long as the first connection to its peer.
      for (const c of [...this.#connections]) if (c.first === conn) c.peer.destroy()
    })
    peer.once('connect', () => {
      if (conn.timer) clearTimeout(conn.timer)
      conn.timer = null
      conn.connected = true
      const transport = new DataChannelTransport(peer)
      if (!this.onPeer) return transport.close('no handler')
      this.onPeer(infoHash, remotePeerId, transport, initiator, first !== null)
      if (first === null && this.limits.lanesPerPeer > 1 && isSwarmdropPeerId(remotePeerId)) this.#openSignal(conn, initiator)
    })
    return conn
  }

  // ---- lanes (lane-signal.ts) ----------------------------------------------------------------

  #openSignal(conn: Connection, dialler: boolean): void {
    const pc = (conn.peer as PeerWithPc)._pc
    if (!pc || this.#destroyed) return
    let channel: RTCDataChannel
    try {
      channel = pc.createDataChannel('swarmdrop-lanes', { negotiated: true, id: LANE_SIGNAL_LIMITS.channelId })
    } catch {
      return // no lanes over this connection; it works as before
    }
    conn.signal = new LaneSignal(
      channel,
      dialler,
      { ready: () => void this.#dialLanes(conn), offer: (sdp) => this.#answerLane(conn, sdp) },
      this.limits.maxLaneOffers,
    )
  }

  /** Dialler: open the lanes one negotiation at a time, while the caps leave room. */
  async #dialLanes(first: Connection): Promise<void> {
    while (first.signal && !first.signal.closed) {
      if (!this.#laneFits(first)) return
      const peer = this.#newPeer(true)
      const offer = await new Promise<string | null>((resolve) => {
        peer.once('signal', (d: SimplePeer.SignalData) => resolve(d.type === 'offer' && typeof d.sdp === 'string' ? d.sdp : null))
        peer.once('close', () => resolve(null))
      })
      const answer = offer && first.signal && this.#connections.has(first) ? await first.signal.offer(offer) : null
      if (!answer || !this.#connections.has(first) || this.#destroyed) {
        peer.destroy()
        return
      }
      this.#track(first.infoHash, first.remotePeerId!, peer, true, first)
      try {
        peer.signal({ type: 'answer', sdp: answer })
      } catch {
        peer.destroy()
        return
      }
    }
  }

  /** Dialled side: answer a lane offer within the same bounds as the dialler's. */
  #answerLane(first: Connection, sdp: string): Promise<string | null> {
    if (!this.#laneFits(first)) return Promise.resolve(null)
    const peer = this.#newPeer(false)
    this.#track(first.infoHash, first.remotePeerId!, peer, false, first)
    return new Promise((resolve) => {
      peer.once('signal', (d: SimplePeer.SignalData) => resolve(d.type === 'answer' && typeof d.sdp === 'string' ? d.sdp : null))
      peer.once('close', () => resolve(null))
      try {
        peer.signal({ type: 'offer', sdp })
      } catch {
        peer.destroy()
        resolve(null)
      }
    })
  }

  /** Destroy every offer and connection of one torrent (when it is removed or stopped). */
  closeTorrent(infoHash: string): void {
    for (const [id, o] of this.#offers) if (o.infoHash === infoHash) this.#dropOffer(id)
    for (const c of [...this.#connections]) if (c.infoHash === infoHash) c.peer.destroy()
  }

  destroy(): void {
    this.#destroyed = true
    for (const id of [...this.#offers.keys()]) this.#dropOffer(id)
    for (const c of [...this.#connections]) c.peer.destroy()
  }
}
