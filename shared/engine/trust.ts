import type { Limits } from './limits.ts'

// Blame for pieces that fail verification, kept by peer key (the peer id in hex) rather than by
// connection, so a peer that sends bad data and disconnects before the hash is checked is still
// scored, and its score survives a reconnect (libtorrent keeps a trust score per peer the same way).

interface Trust {
  score: number
  soleFailures: number
}

export class TrustLedger {
  private readonly peers = new Map<string, Trust>()

  constructor(private readonly limits: Pick<Limits, 'banTrustScore' | 'maxSoleHashFailures' | 'maxPeersScored'>) {}

  /**
   * A piece these peers sent blocks of was verified (good) or failed its hash. Returns the peers
   * that have now earned a ban: a trust score (+1 per good piece, -2 per bad one) at or below the
   * limit, or too many failed pieces they sent alone.
   */
  pieceChecked(senders: ReadonlySet<string>, good: boolean): string[] {
    const ban: string[] = []
    const sole = !good && senders.size === 1
    for (const key of senders) {
      const t = this.peers.get(key) ?? { score: 0, soleFailures: 0 }
      t.score = Math.min(t.score + (good ? 1 : -2), 20)
      if (sole) t.soleFailures++
      // Most recently scored last: the oldest entry is forgotten first once the map is full.
      this.peers.delete(key)
      this.peers.set(key, t)
      if (t.score <= this.limits.banTrustScore || t.soleFailures >= this.limits.maxSoleHashFailures) ban.push(key)
    }
    while (this.peers.size > this.limits.maxPeersScored) {
      const oldest = this.peers.keys().next()
      if (oldest.done) break
      this.peers.delete(oldest.value)
    }
    return ban
  }
}
