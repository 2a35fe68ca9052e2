// The signalling channel for lanes (peer-pool.ts): extra RTCPeerConnections between the same two
// swarmdrop peers, because one SCTP association's congestion window caps a path with delay and loss
// (docs/performance.md, "Browser transfer"). It is a data channel on the first connection's
// RTCPeerConnection created by both sides with `negotiated: true` and a fixed id, so it raises no
// `ondatachannel` (simple-peer would take such a channel for its own) and a remote that does not
// create it (WebTorrent, an older swarmdrop) never sees a byte of it: the messages are dropped by its
// SCTP stack and the dialler, never hearing `ready`, opens no lane.
//
// Messages are JSON text (docs/spec/peer-wire.md, "Lanes"):
//   dialled -> dialler  {"t":"ready"}              repeated until the first offer arrives (a message
//                                                  sent before the other side created the channel is lost)
//   dialler -> dialled  {"t":"offer","sdp":"..."}  one at a time: the next only after its reply
//   dialled -> dialler  {"t":"answer","sdp":"..."} or {"t":"decline"}
// Anything else, anything too large, a second offer before the reply or more offers than the bound
// closes this channel (the first connection carries on, without lanes).

export const LANE_SIGNAL_LIMITS = {
  /** SCTP stream id of the channel on both sides; below Chromium's 1024 streams, far above simple-peer's own (0/1). */
  channelId: 1000,
  /** A non-trickle SDP with a few host candidates is 1-3 KB. */
  maxMessageBytes: 16 * 1024,
  /** The dialled side repeats `ready` this often... */
  readyIntervalMs: 250,
  /** ...this many times at most. */
  readyTries: 40,
  /** An offer not answered within this is given up (the lane's peer is destroyed). */
  answerTimeoutMs: 15_000,
} as const

export type LaneMessage = { t: 'ready' } | { t: 'offer'; sdp: string } | { t: 'answer'; sdp: string } | { t: 'decline' }

/** A message as received (text), or null when it is not one of ours (the caller closes the channel). */
export function parseLaneMessage(data: unknown, maxBytes: number = LANE_SIGNAL_LIMITS.maxMessageBytes): LaneMessage | null {
  if (typeof data !== 'string' || data.length > maxBytes) return null
  let m: unknown
  try {
    m = JSON.parse(data)
  } catch {
    return null
  }
  if (typeof m !== 'object' || m === null) return null
  const { t, sdp } = m as { t?: unknown; sdp?: unknown }
  if (t === 'ready' || t === 'decline') return { t }
  if ((t === 'offer' || t === 'answer') && typeof sdp === 'string' && sdp.length > 0) return { t, sdp }
  return null
}

export interface LaneSignalHandler {
  /** Dialler: the other side is listening; negotiate lanes now (one `offer()` at a time). */
  ready(): void
  /** Dialled side: an offer for a new lane; the answer SDP, or null to decline. */
  offer(sdp: string): Promise<string | null>
}

/** The narrow part of RTCDataChannel used here (tests give a fake). */
export interface SignalChannel {
  readyState: string
  send(data: string): void
  close(): void
  onopen: ((ev: Event) => unknown) | null
  onmessage: ((ev: MessageEvent) => unknown) | null
  onclose: ((ev: Event) => unknown) | null
}

export class LaneSignal {
  #closed = false
  #readyTimer: ReturnType<typeof setInterval> | null = null
  #heardReady = false
  /** Dialler: the offer awaiting its reply. */
  #pending: { resolve: (sdp: string | null) => void; timer: ReturnType<typeof setTimeout> } | null = null
  /** Dialled side: an offer is being answered. */
  #answering = false
  #offersSeen = 0

  /** `maxOffers`: the dialled side accepts at most this many offers over the connection's life. */
  constructor(
    readonly channel: SignalChannel,
    readonly dialler: boolean,
    private readonly handler: LaneSignalHandler,
    private readonly maxOffers: number,
    private readonly limits: typeof LANE_SIGNAL_LIMITS = LANE_SIGNAL_LIMITS,
  ) {
    channel.onmessage = (ev) => this.#received(ev.data)
    channel.onclose = () => this.close()
    if (!dialler) {
      if (channel.readyState === 'open') this.#startReady()
      else channel.onopen = () => this.#startReady()
    }
  }

  get closed(): boolean {
    return this.#closed
  }

  /** Dialler: send one lane offer; the answer SDP, or null (declined, timed out, channel closed). */
  offer(sdp: string): Promise<string | null> {
    if (this.#closed || !this.dialler || this.#pending) return Promise.resolve(null)
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.#settle(null), this.limits.answerTimeoutMs)
      this.#pending = { resolve, timer }
      this.#send({ t: 'offer', sdp })
    })
  }

  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#stopReady()
    this.#settle(null)
    try {
      this.channel.close()
    } catch {
      // already closed with its connection
    }
  }

  #startReady(): void {
    let tries = 0
    const tick = () => {
      if (this.#closed || tries++ >= this.limits.readyTries) return this.#stopReady()
      this.#send({ t: 'ready' })
    }
    tick()
    this.#readyTimer = setInterval(tick, this.limits.readyIntervalMs)
  }

  #stopReady(): void {
    if (this.#readyTimer) clearInterval(this.#readyTimer)
    this.#readyTimer = null
  }

  #settle(sdp: string | null): void {
    const p = this.#pending
    if (!p) return
    this.#pending = null
    clearTimeout(p.timer)
    p.resolve(sdp)
  }

  #send(m: LaneMessage): void {
    if (this.#closed || this.channel.readyState !== 'open') return
    try {
      this.channel.send(JSON.stringify(m))
    } catch {
      this.close()
    }
  }

  #received(data: unknown): void {
    if (this.#closed) return
    const m = parseLaneMessage(data, this.limits.maxMessageBytes)
    if (!m) return this.close()
    if (this.dialler) {
      if (m.t === 'ready') {
        // Repeats are expected (it is sent until the first offer arrives); act on the first only.
        if (!this.#heardReady) {
          this.#heardReady = true
          this.handler.ready()
        }
      } else if ((m.t === 'answer' || m.t === 'decline') && this.#pending) this.#settle(m.t === 'answer' ? m.sdp : null)
      else this.close()
      return
    }
    if (m.t !== 'offer' || this.#answering || this.#offersSeen >= this.maxOffers) return this.close()
    this.#offersSeen++
    this.#stopReady()
    this.#answering = true
    void this.handler.offer(m.sdp).then(
      (answer) => {
        this.#answering = false
        this.#send(answer ? { t: 'answer', sdp: answer } : { t: 'decline' })
      },
      () => {
        this.#answering = false
        this.#send({ t: 'decline' })
      },
    )
  }
}
