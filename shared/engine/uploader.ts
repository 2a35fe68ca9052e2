import { rechoke, type ChokerPeer, type OptimisticState } from './choker.ts'
import type { Limits } from './limits.ts'
import type { PeerSession } from './peer-session.ts'
import type { BlockRef } from '../wire/messages.ts'
import type { Clock, PieceStore } from './ports.ts'
import { RateLimiter } from './rate-limiter.ts'

// Serving: applies the choker's decision every rechoke interval and answers queued requests of
// unchoked peers from verified pieces, pausing whenever the transport pushes back (so a fast
// requester cannot make us buffer without bound).

export class Uploader {
  private optimistic: OptimisticState = { peer: null, since: -Infinity }
  private readonly serving = new Set<number>()
  /** Per peer: reads started ahead of their sends, in request order (kept across back-pressure pauses). */
  private readonly ahead = new Map<number, { r: BlockRef; data: Promise<Uint8Array> }[]>()

  constructor(
    private readonly store: PieceStore,
    private readonly clock: Clock,
    private readonly limits: Limits,
    private readonly random: () => number,
    private readonly sessions: () => Iterable<PeerSession>,
    private readonly seeding: () => boolean,
    private readonly haveVerified: (index: number) => boolean,
    /** The upload rate limit: each block waits for its turn before it is sent. */
    private readonly limiter: RateLimiter = new RateLimiter(),
  ) {}

  rechoke(): void {
    const now = this.clock.now()
    const peers: ChokerPeer[] = []
    const byId = new Map<number, PeerSession>()
    for (const s of this.sessions()) {
      if (!s.ready) continue
      byId.set(s.id, s)
      const st = s.state
      peers.push({
        id: s.id,
        interested: st.peerInterested,
        seed: st.isSeed,
        downloadRate: st.download.rate(now),
        uploadRate: st.upload.rate(now),
        lastBlockAt: st.lastBlockAt,
        connectedAt: st.connectedAt,
        unchoked: !st.amChoking,
        unchokedAt: st.unchokedAt,
        // Only a remote's lanes share a peer id (Torrent.accept refuses other duplicates).
        ...(s.peerKey !== null ? { group: s.peerKey } : {}),
      })
    }
    const o = { slots: this.limits.uploadSlots, seeding: this.seeding(), optimisticMs: this.limits.optimisticIntervalMs, snubMs: this.limits.snubTimeoutMs }
    const d = rechoke(peers, this.optimistic, now, o, this.random)
    this.optimistic = d.optimistic
    for (const [id, s] of byId) {
      s.setChoking(!d.unchoke.has(id))
      if (d.unchoke.has(id)) this.serve(s)
    }
  }

  /** A newly interested peer need not wait for the next rechoke while a slot is free. */
  interestChanged(s: PeerSession): void {
    if (!s.state.peerInterested || !s.state.amChoking || s.state.isSeed || this.limits.uploadSlots <= 0) return
    // Slots are per remote: a lane of a peer we unchoke is unchoked with it (choker.ts).
    const unchoked = new Set<string | number>()
    for (const p of this.sessions()) {
      if (!p.ready || p.state.amChoking) continue
      if (p !== s && s.peerKey !== null && p.peerKey === s.peerKey) return s.setChoking(false)
      unchoked.add(p.peerKey ?? p.id)
    }
    if (unchoked.size < this.limits.uploadSlots + 1) s.setChoking(false)
  }

  /** Serve queued requests until the queue is empty or the transport is full. */
  serve(s: PeerSession): void {
    if (this.serving.has(s.id)) return
    this.serving.add(s.id)
    void this.loop(s).finally(() => {
      this.serving.delete(s.id)
      // A drain may have fired while the loop was finishing: do not lose that wake-up.
      if ((s.queuedRequests > 0 || (this.ahead.get(s.id)?.length ?? 0) > 0) && !s.writeBlocked && !s.closed) this.serve(s)
    })
  }

  /** The peer is gone: forget its reads ahead. */
  peerLeft(s: PeerSession): void {
    this.ahead.delete(s.id)
  }

  private async loop(s: PeerSession): Promise<void> {
    // Reads run ahead of sends (up to uploadReadsAhead at once, sent in request order): a store whose
    // read is a round trip (the OPFS worker) would otherwise cap one peer at one block per round trip.
    // When back-pressure stops the sends, the reads in flight stay for the next round rather than
    // being read again.
    let ahead = this.ahead.get(s.id)
    if (!ahead) this.ahead.set(s.id, (ahead = []))
    while (!s.closed && !s.writeBlocked) {
      while (ahead.length < this.limits.uploadReadsAhead) {
        const r = s.nextQueuedRequest()
        if (!r) break
        if (!this.haveVerified(r.index)) continue
        const data = this.store.read(r.index, r.begin, r.length)
        data.catch(() => {}) // awaited below, in order; a rejection is handled there
        ahead.push({ r, data })
      }
      const next = ahead[0]
      if (!next) return
      let data: Uint8Array
      try {
        data = await next.data
      } catch (err) {
        s.close(`store read failed: ${err instanceof Error ? err.message : String(err)}`)
        return
      }
      if (s.closed) return
      // A block longer than the bucket holds (128 KiB against a slow limit) waits for a full bucket
      // and goes into debt (RateLimiter.waitMs/force): the average rate holds and nothing stalls.
      const wait = this.limiter.waitMs(data.length, this.clock.now())
      if (wait > 0) {
        await new Promise<void>((resolve) => this.clock.setTimeout(resolve, wait))
        if (s.closed) return
      }
      ahead.shift()
      // The peer may have been choked (its queue cleared) while we read; serve only if still wanted.
      if (this.wanted(s, next.r)) {
        this.limiter.force(data.length, this.clock.now())
        s.sendPiece(next.r.index, next.r.begin, data)
      }
    }
  }

  /** False once the peer was choked while we read (the choke emptied its queue), unless the piece is allowed fast. */
  private wanted(s: PeerSession, r: BlockRef): boolean {
    if (!s.state.amChoking || s.state.allowedFastForPeer.has(r.index)) return true
    // BEP 6: with fast, a request we will not serve gets a reject (setChoking did so for the queue).
    s.reject(r)
    return false
  }
}
