// Swarm state: info_hash -> swarm, each a map peer_id -> peer plus an array for O(1) random picks.
// A peer remembers the connection that first announced it (ownership: nobody else may speak in its
// name) and the offers relayed to it that it may still answer. Times are whole milliseconds from the
// tracker's clock. Nothing here touches sockets: the owner is an opaque object the tracker gives us.

export interface PendingOffer { offerId: string; fromPeerId: string; at: number }

export class Peer {
  /** Position in swarm.list (swap-remove keeps removal O(1)). */
  index = -1
  /** Offers relayed to this peer, oldest first, bounded by maxPendingOffersPerPeer. */
  pending: PendingOffer[] | null = null
  constructor(
    readonly swarm: Swarm,
    readonly peerId: string,
    readonly owner: object,
    public complete: boolean,
    public lastSeen: number,
  ) {}
}

export class Swarm {
  readonly peers = new Map<string, Peer>()
  readonly list: Peer[] = []
  complete = 0
  incomplete = 0
  /** Completed events seen (a lower bound of downloads, as in BEP 48 scrape `downloaded`). */
  downloaded = 0
  constructor(readonly infoHash: string) {}

  add(peer: Peer): void {
    peer.index = this.list.length
    this.list.push(peer)
    this.peers.set(peer.peerId, peer)
    if (peer.complete) this.complete++
    else this.incomplete++
  }

  remove(peer: Peer): void {
    if (this.peers.get(peer.peerId) !== peer) return
    this.peers.delete(peer.peerId)
    const last = this.list.pop() as Peer
    if (last !== peer) {
      this.list[peer.index] = last
      last.index = peer.index
    }
    peer.index = -1
    peer.pending = null
    if (peer.complete) this.complete--
    else this.incomplete--
  }

  markComplete(peer: Peer): void {
    if (peer.complete) return
    peer.complete = true
    this.complete++
    this.incomplete--
  }

  /**
   * Up to `count` distinct random peers other than `self`. Swarms no larger than count + 1 give all
   * the others; bigger ones are sampled by random index with a bounded number of tries.
   */
  pickOthers(self: Peer | undefined, count: number, random: () => number = Math.random): Peer[] {
    const n = this.list.length
    const out: Peer[] = []
    if (count <= 0) return out
    const others = self !== undefined && self.index >= 0 ? n - 1 : n
    if (others <= count) {
      for (const p of this.list) if (p !== self) out.push(p)
      return out
    }
    for (let tries = 0; out.length < count && tries < count * 8; tries++) {
      const p = this.list[Math.floor(random() * n)] as Peer
      if (p !== self && !out.includes(p)) out.push(p)
    }
    return out
  }
}

export function rememberOffer(to: Peer, offerId: string, fromPeerId: string, at: number, max: number): void {
  const pending = (to.pending ??= [])
  if (pending.length >= max) pending.shift()
  pending.push({ offerId, fromPeerId, at })
}

/** Find and consume the offer `offerId` that `fromPeerId` sent to `to`, if younger than maxAge. */
export function takeOffer(to: Peer, offerId: string, fromPeerId: string, now: number, maxAge: number): boolean {
  const pending = to.pending
  if (pending === null) return false
  for (let i = 0; i < pending.length; i++) {
    const o = pending[i] as PendingOffer
    if (o.offerId === offerId && o.fromPeerId === fromPeerId) {
      pending.splice(i, 1)
      if (pending.length === 0) to.pending = null
      return now - o.at <= maxAge
    }
  }
  return false
}

export class SwarmRegistry {
  readonly swarms = new Map<string, Swarm>()

  get(infoHash: string): Swarm | undefined {
    return this.swarms.get(infoHash)
  }

  getOrCreate(infoHash: string): Swarm {
    let s = this.swarms.get(infoHash)
    if (s === undefined) {
      s = new Swarm(infoHash)
      this.swarms.set(infoHash, s)
    }
    return s
  }

  /** Remove a peer, and its swarm when it empties (so a flood of one-off info hashes leaves nothing). */
  leave(peer: Peer): void {
    const s = peer.swarm
    s.remove(peer)
    if (s.list.length === 0) this.swarms.delete(s.infoHash)
  }

  /** Drop peers silent since before `cutoff`, and offers older than `offerCutoff`. Returns the peers removed. */
  expire(cutoff: number, offerCutoff: number, onRemove: (p: Peer) => void): number {
    let removed = 0
    for (const s of this.swarms.values()) {
      for (let i = s.list.length - 1; i >= 0; i--) {
        const p = s.list[i] as Peer
        if (p.lastSeen < cutoff) {
          onRemove(p)
          this.leave(p)
          removed++
        } else if (p.pending !== null) {
          p.pending = p.pending.filter(o => o.at >= offerCutoff)
          if (p.pending.length === 0) p.pending = null
        }
      }
    }
    return removed
  }

  counts(): { torrents: number; peers: number; seeders: number; leechers: number } {
    let seeders = 0
    let leechers = 0
    for (const s of this.swarms.values()) {
      seeders += s.complete
      leechers += s.incomplete
    }
    return { torrents: this.swarms.size, peers: seeders + leechers, seeders, leechers }
  }
}
