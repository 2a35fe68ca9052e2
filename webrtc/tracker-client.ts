import type { PeerSignaling, SessionDescription } from './signaling.ts'
import { defaultTrackerSocketPool, type SocketState, type TrackerSocket, type TrackerSocketPool } from './tracker-socket.ts'

// Announces one torrent to all its trackers over the page's shared sockets (WebTorrent tracker
// protocol; the server side is tracker/protocol.ts): started / periodic / completed / stopped, with
// offers made by the PeerSignaling side, answers to relayed offers, the tracker's interval followed.
//
// Announce tiers (BEP 12) are flattened and every tracker is used at once, as WebTorrent does: with
// WebRTC each tracker is a separate rendezvous, so the swarm we can reach is the union of all of them,
// and falling back tier by tier would hide peers that only one tracker knows.

export const TRACKER_CLIENT_LIMITS = {
  /** Offers per announce (WebTorrent sends at most 5; aquatic accepts 10). */
  offersPerAnnounce: 5,
  numwant: 50,
  /** Before the first reply, and when a reply has none (bittorrent-tracker answers 120 s). */
  defaultIntervalS: 120,
  /** A tracker's interval is clamped into this range: a hostile or buggy tracker cannot make us
   *  announce in a loop, nor go silent for hours. */
  minIntervalS: 10,
  maxIntervalS: 3_600,
  /** With no peer left and pieces still wanted, announce again after this (not the whole interval),
   *  doubling on each try while none connects: a leecher whose only seeder dropped finds it again in
   *  seconds, and an empty swarm costs the tracker a few announces, then one per interval. */
  refillFirstS: 5,
  maxSdpChars: 64 * 1024,
  maxTrackers: 20,
  maxMessageTextChars: 500,
} as const

export type TrackerState = 'connecting' | 'announcing' | 'ok' | 'failed' | 'disconnected' | 'stopped'

export interface TrackerStatus {
  url: string
  state: TrackerState
  /** The tracker's "failure reason", or why the socket closed. */
  error: string | null
  warning: string | null
  intervalS: number
  complete: number | null
  incomplete: number | null
  announces: number
  /** When the last announce went out (Date.now() ms); the next is due `intervalS` after it. */
  lastAnnounceAt: number | null
  /** Peers this tracker introduced: relayed offers and answers received. */
  peersIntroduced: number
}

export interface TorrentStats {
  uploaded: number
  downloaded: number
  /** Bytes still missing; null before the metadata is known (a magnet). */
  left: number | null
}

export interface TrackerClientOptions {
  /** 20-char binary strings (latin1). */
  infoHash: string
  peerId: string
  /** Announce tiers (BEP 12) or a flat list of ws:// / wss:// URLs. Others are ignored. */
  announce: readonly (string | readonly string[])[]
  signaling: PeerSignaling
  stats: () => TorrentStats
  pool?: TrackerSocketPool
  numwant?: number
}

type AnnounceEvent = 'started' | 'completed' | 'stopped' | undefined

export function flattenTiers(announce: readonly (string | readonly string[])[]): string[] {
  const urls: string[] = []
  for (const entry of announce) {
    for (const url of typeof entry === 'string' ? [entry] : entry) {
      if (/^wss?:\/\//i.test(url) && !urls.includes(url)) urls.push(url)
    }
  }
  return urls.slice(0, TRACKER_CLIENT_LIMITS.maxTrackers)
}

function isBinaryId(v: unknown): v is string {
  return typeof v === 'string' && v.length === 20 && !/[^\x00-\xff]/.test(v)
}

function sdpOf(v: unknown, type: SessionDescription['type']): SessionDescription | null {
  if (typeof v !== 'object' || v === null) return null
  const { type: t, sdp } = v as { type?: unknown; sdp?: unknown }
  if (t !== type || typeof sdp !== 'string' || sdp.length > TRACKER_CLIENT_LIMITS.maxSdpChars) return null
  return { type, sdp }
}

function text(v: unknown): string {
  return String(v).slice(0, TRACKER_CLIENT_LIMITS.maxMessageTextChars)
}

class Announcer {
  status: TrackerStatus
  #socket: TrackerSocket
  #unsubscribe: () => void
  #client: TrackerClient
  #timer: ReturnType<typeof setTimeout> | null = null
  #trackerId: string | null = null
  #inFlight = false
  /** When the scheduled announce is due (Date.now() ms). */
  #dueAt = 0
  /** The next refill's delay (wantPeers), doubled on each use, reset when a peer connects. */
  #refillS: number = TRACKER_CLIENT_LIMITS.refillFirstS

  constructor(client: TrackerClient, socket: TrackerSocket) {
    this.#client = client
    this.#socket = socket
    const d = TRACKER_CLIENT_LIMITS.defaultIntervalS
    this.status = { url: socket.url, state: 'connecting', error: null, warning: null, intervalS: d, complete: null, incomplete: null, announces: 0, lastAnnounceAt: null, peersIntroduced: 0 }
    this.#unsubscribe = socket.subscribe(client.infoHash, {
      // On every (re)open: a tracker that restarted has forgotten us, so announce `started` again.
      onOpen: () => void this.announce('started'),
      onState: (state, detail) => this.#onSocketState(state, detail),
      onMessage: (msg) => void this.#onMessage(msg),
    })
  }

  /** Announce now (with offers unless the event forbids them); reschedules the periodic announce. */
  async announce(event: AnnounceEvent): Promise<void> {
    if (this.#inFlight && event === undefined) return // a periodic announce is already on its way
    this.#inFlight = true
    try {
      const c = this.#client
      const stats = c.stats()
      const wantsOffers = event !== 'stopped' && event !== 'completed'
      const offers = wantsOffers ? await c.signaling.makeOffers(c.infoHash, Math.min(TRACKER_CLIENT_LIMITS.offersPerAnnounce, c.numwant)) : []
      if (event !== 'stopped' && c.isStopped) return
      const msg: Record<string, unknown> = {
        action: 'announce',
        info_hash: c.infoHash,
        peer_id: c.peerId,
        numwant: c.numwant,
        uploaded: stats.uploaded,
        downloaded: stats.downloaded,
        left: stats.left,
        offers: offers.map((o) => ({ offer_id: o.offerId, offer: o.offer })),
      }
      if (event) msg['event'] = event
      if (this.#trackerId !== null) msg['trackerid'] = this.#trackerId
      if (this.#socket.send(msg)) {
        this.status.announces++
        this.status.lastAnnounceAt = Date.now()
        if (this.status.state !== 'failed') this.status.state = event === 'stopped' ? 'stopped' : 'announcing'
        c.emitStatus()
      }
    } finally {
      this.#inFlight = false
    }
    if (event !== 'stopped') this.#schedule()
  }

  #schedule(delayMs = this.status.intervalS * 1000): void {
    if (this.#timer) clearTimeout(this.#timer)
    this.#dueAt = Date.now() + delayMs
    this.#timer = setTimeout(() => void this.announce(undefined), delayMs)
  }

  /** Announce (with fresh offers) `refillS` after the last announce, unless one is due sooner. */
  refill(): void {
    const last = this.status.lastAnnounceAt
    if (last === null || this.status.state === 'failed') return // not announced yet, or refused: the interval rules
    const delayS = Math.min(this.#refillS, this.status.intervalS)
    this.#refillS = Math.min(this.#refillS * 2, this.status.intervalS)
    const due = last + delayS * 1000
    if (due < this.#dueAt) this.#schedule(Math.max(0, due - Date.now()))
  }

  peerConnected(): void {
    this.#refillS = TRACKER_CLIENT_LIMITS.refillFirstS
  }

  #onSocketState(state: SocketState, detail?: string): void {
    if (this.#client.isStopped) return
    if (state === 'open') return // the announce on open updates the state
    this.status.state = state === 'waiting' ? 'disconnected' : 'connecting'
    if (state === 'waiting' && detail) this.status.error = text(detail)
    this.#client.emitStatus()
  }

  async #onMessage(msg: Record<string, unknown>): Promise<void> {
    const c = this.#client
    if (c.isStopped) return
    if (msg['failure reason'] !== undefined) {
      this.status.state = 'failed'
      this.status.error = text(msg['failure reason'])
      c.emitStatus()
      return
    }
    if (msg['warning message'] !== undefined) this.status.warning = text(msg['warning message'])
    const interval = msg['interval']
    if (typeof interval === 'number' && Number.isFinite(interval)) {
      const { minIntervalS, maxIntervalS } = TRACKER_CLIENT_LIMITS
      const next = Math.min(maxIntervalS, Math.max(minIntervalS, interval))
      const changed = next !== this.status.intervalS
      this.status.intervalS = next
      this.status.state = 'ok'
      this.status.error = null
      if (typeof msg['complete'] === 'number') this.status.complete = msg['complete']
      if (typeof msg['incomplete'] === 'number') this.status.incomplete = msg['incomplete']
      if (typeof msg['tracker id'] === 'string') this.#trackerId = text(msg['tracker id'])
      if (changed) this.#schedule()
      c.emitStatus()
    }
    const from = msg['peer_id']
    const offerId = msg['offer_id']
    if (!isBinaryId(from) || !isBinaryId(offerId) || from === c.peerId) return
    const offer = sdpOf(msg['offer'], 'offer')
    if (offer || sdpOf(msg['answer'], 'answer')) {
      this.status.peersIntroduced++
      c.emitStatus()
    }
    if (offer) {
      const answer = await c.signaling.answerOffer(c.infoHash, from, offerId, offer)
      if (!answer || c.isStopped) return
      this.#socket.send({ action: 'announce', info_hash: c.infoHash, peer_id: c.peerId, to_peer_id: from, offer_id: offerId, answer })
      return
    }
    const answer = sdpOf(msg['answer'], 'answer')
    if (answer) c.signaling.acceptAnswer(c.infoHash, from, offerId, answer)
  }

  close(): void {
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = null
    this.#unsubscribe()
  }
}

export class TrackerClient {
  readonly infoHash: string
  readonly peerId: string
  readonly numwant: number
  readonly signaling: PeerSignaling
  readonly stats: () => TorrentStats
  onStatus: ((statuses: TrackerStatus[]) => void) | null = null
  isStopped = false
  #completed = false
  #announcers: Announcer[] = []
  #urls: string[]
  #pool: TrackerSocketPool

  constructor(options: TrackerClientOptions) {
    if (!isBinaryId(options.infoHash) || !isBinaryId(options.peerId)) throw new TypeError('infoHash and peerId must be 20-char binary strings')
    this.infoHash = options.infoHash
    this.peerId = options.peerId
    this.numwant = options.numwant ?? TRACKER_CLIENT_LIMITS.numwant
    this.signaling = options.signaling
    this.stats = options.stats
    this.#pool = options.pool ?? defaultTrackerSocketPool
    this.#urls = flattenTiers(options.announce)
  }

  get urls(): readonly string[] {
    return this.#urls
  }

  /** Connect (sharing sockets) and announce `started` on each tracker; again after every reconnect. */
  start(): void {
    if (this.#announcers.length > 0 || this.isStopped) return
    this.#announcers = this.#urls.map((url) => new Announcer(this, this.#pool.get(url)))
    this.emitStatus()
  }

  /** The download finished: tell every tracker (no offers in a completed announce). */
  complete(): void {
    if (this.#completed || this.isStopped) return
    this.#completed = true
    for (const a of this.#announcers) void a.announce('completed')
  }

  /** Announce now, with fresh offers (the engine wants more peers). */
  update(): void {
    if (this.isStopped) return
    for (const a of this.#announcers) void a.announce(undefined)
  }

  /**
   * The torrent has no peer left and still wants pieces: announce again soon (backing off) rather
   * than at the tracker's interval, which is 2 minutes on most WebSocket trackers.
   */
  wantPeers(): void {
    if (this.isStopped || this.#completed) return
    for (const a of this.#announcers) a.refill()
  }

  /** A peer connected: the next `wantPeers` starts from the shortest delay again. */
  peerConnected(): void {
    for (const a of this.#announcers) a.peerConnected()
  }

  /** Send `stopped` and let go of the sockets (the pool closes idle ones). */
  stop(): void {
    if (this.isStopped) return
    this.isStopped = true
    for (const a of this.#announcers) {
      void a.announce('stopped').finally(() => a.close())
      a.status.state = 'stopped'
    }
    this.emitStatus()
  }

  status(): TrackerStatus[] {
    return this.#announcers.map((a) => ({ ...a.status }))
  }

  emitStatus(): void {
    this.onStatus?.(this.status())
  }
}
