import type { TrackerStatus } from '../../webrtc/tracker-client.ts'
import type { PeerAddress } from '../dialer.ts'
import { NODE_LIMITS } from '../limits.ts'
import { TrackerFailure, type Announce, type AnnounceEvent, type AnnounceRequest } from './announce.ts'

// One BEP 12 tier of HTTP and UDP trackers for one torrent: its trackers are tried in order (shuffled
// once), the first that answers is moved to the front and used until it fails. The torrent runs one of
// these per tier, all at once (as libtorrent's announce_to_all_tiers and qBittorrent do): the trackers
// of a swarm made by different clients sit in different tiers, and a Node peer bridging them wants
// the peers of every one.

export type RequestStats = () => Omit<AnnounceRequest, 'event' | 'trackerId'>

export interface TierOptions {
  urls: readonly string[]
  stats: RequestStats
  announceFor: (url: string) => Announce
  onPeers: (peers: PeerAddress[]) => void
  onStatus: () => void
  random?: () => number
}

export class TierAnnouncer {
  readonly statuses: TrackerStatus[]
  #o: TierOptions
  #order: string[]
  #timer: ReturnType<typeof setTimeout> | null = null
  #started = false
  #pendingEvent: AnnounceEvent | undefined = 'started'
  #failures = 0
  #stopped = false
  #abort = new AbortController()
  #trackerIds = new Map<string, string>()
  #inFlight: Promise<void> | null = null

  constructor(o: TierOptions) {
    this.#o = o
    const random = o.random ?? Math.random
    this.#order = [...o.urls]
    for (let i = this.#order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1))
      ;[this.#order[i], this.#order[j]] = [this.#order[j]!, this.#order[i]!]
    }
    this.statuses = this.#order.map((url) => ({ url, state: 'connecting', error: null, warning: null, intervalS: NODE_LIMITS.defaultAnnounceIntervalS, complete: null, incomplete: null, announces: 0, lastAnnounceAt: null, peersIntroduced: 0 }))
  }

  start(): void {
    void this.#announce()
  }

  /** The download finished: `completed` goes out now (to a tier that has announced `started`). */
  complete(): void {
    if (this.#stopped) return
    if (this.#started) this.#pendingEvent = 'completed'
    // An announce on its way now carries the old event: send `completed` right after it.
    if (this.#inFlight) void this.#inFlight.then(() => this.#announce())
    else void this.#announce()
  }

  /** `stopped` to the tracker in use, if it heard `started`; resolves when answered or given up. */
  async stop(signal: AbortSignal): Promise<void> {
    if (this.#stopped) return
    this.#stopped = true
    if (this.#timer) clearTimeout(this.#timer)
    this.#abort.abort()
    await this.#inFlight?.catch(() => {})
    for (const s of this.statuses) s.state = 'stopped'
    if (!this.#started) return
    const url = this.#order[0]!
    await this.#o.announceFor(url)(url, this.#request('stopped', url), signal).catch(() => {})
  }

  #request(event: AnnounceEvent | undefined, url: string): AnnounceRequest {
    const r: AnnounceRequest = { ...this.#o.stats() }
    if (event) r.event = event
    const id = this.#trackerIds.get(url)
    if (id !== undefined) r.trackerId = id
    return r
  }

  #status(url: string): TrackerStatus {
    return this.statuses.find((s) => s.url === url)!
  }

  async #announce(): Promise<void> {
    if (this.#stopped || this.#inFlight) return
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = null
    this.#inFlight = this.#tryTier().finally(() => (this.#inFlight = null))
    await this.#inFlight
  }

  async #tryTier(): Promise<void> {
    const event = this.#pendingEvent
    for (const url of [...this.#order]) {
      if (this.#stopped) return
      const status = this.#status(url)
      status.state = 'announcing'
      this.#o.onStatus()
      try {
        const reply = await this.#o.announceFor(url)(url, this.#request(event, url), this.#abort.signal)
        if (this.#stopped) return
        // BEP 12: a tracker that answers moves to the front of its tier.
        this.#order = [url, ...this.#order.filter((u) => u !== url)]
        this.#started = true
        this.#failures = 0
        if (this.#pendingEvent === event) this.#pendingEvent = undefined
        const interval = Math.max(reply.intervalS, reply.minIntervalS ?? 0)
        Object.assign(status, {
          state: 'ok',
          error: null,
          warning: reply.warning ?? null,
          intervalS: Math.min(NODE_LIMITS.maxAnnounceIntervalS, Math.max(NODE_LIMITS.minAnnounceIntervalS, interval)),
          complete: reply.complete ?? null,
          incomplete: reply.incomplete ?? null,
          announces: status.announces + 1,
          lastAnnounceAt: Date.now(),
          peersIntroduced: status.peersIntroduced + reply.peers.length,
        })
        if (reply.trackerId !== undefined) this.#trackerIds.set(url, reply.trackerId)
        this.#o.onStatus()
        if (reply.peers.length > 0) this.#o.onPeers(reply.peers)
        this.#schedule(status.intervalS * 1000)
        return
      } catch (e) {
        if (this.#stopped) return
        status.state = 'failed'
        status.error = e instanceof TrackerFailure ? e.message : `unreachable: ${e instanceof Error ? e.message : String(e)}`
        this.#o.onStatus()
      }
    }
    // Every tracker of the tier failed: try again later, backing off.
    this.#failures++
    this.#schedule(Math.min(NODE_LIMITS.maxAnnounceIntervalS, NODE_LIMITS.announceRetryBaseS * 2 ** (this.#failures - 1)) * 1000)
  }

  #schedule(ms: number): void {
    if (this.#stopped) return
    this.#timer = setTimeout(() => void this.#announce(), ms)
  }
}
