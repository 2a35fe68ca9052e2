import type { Limits } from './limits.ts'
import type { PeerSession } from './peer-session.ts'
import type { Clock, Hasher, PieceStore } from './ports.ts'
import type { HashMessage } from './session-host.ts'
import type { TorrentMeta } from './torrent-meta.ts'
import { HashFetcher } from './hash-fetcher.ts'
import { HashServer } from './hash-server.ts'
import { V2Hashes } from './v2-hashes.ts'

// A v2 or hybrid torrent's BEP 52 hash messages, both ways: requests from peers answered from our
// trees (hash-server.ts, at most `maxHashAnswersPerPeer` at once per peer, the rest rejected), and our
// own requests (hash-fetcher.ts) for the piece layers we lack and the leaves of failed pieces. The
// torrent hands every hash message of a v2 connection here.

export interface HashExchangeEvents {
  /** The expected hashes of these pieces became known. */
  layerPieces(pieces: number[]): void
  /** Leaves of a failed piece, proven against its hash. */
  leaves(piece: number, first: number, hashes: Uint8Array): void
  /** Every piece layer is now known (fetched from peers): a .torrent of this torrent can be written. */
  layersComplete(): void
}

/** BEP 52 figures for stats(). */
export interface HashStats {
  /** Our requests: sent, answered with hashes that proved out, rejected, unanswered in time. */
  requested: number
  received: number
  rejected: number
  timedOut: number
  /** Peers' requests: answered, and refused (a hash reject). */
  served: number
  refused: number
  /** Whether every piece layer is known. */
  layersComplete: boolean
}

export class HashExchange {
  readonly hashes: V2Hashes
  private readonly fetcher: HashFetcher
  private readonly server: HashServer
  private readonly answering = new Map<number, number>()
  private served = 0
  private refused = 0

  constructor(
    meta: TorrentMeta,
    store: PieceStore,
    hasher: Hasher,
    clock: Clock,
    private readonly limits: Limits,
    have: (piece: number) => boolean,
    private readonly sessions: () => Iterable<PeerSession>,
    private readonly events: HashExchangeEvents,
  ) {
    this.hashes = new V2Hashes(meta)
    this.server = new HashServer(this.hashes, store, hasher, have)
    this.fetcher = new HashFetcher(this.hashes, limits, clock, {
      layerPieces: (pieces) => {
        events.layerPieces(pieces)
        if (this.hashes.layersComplete()) events.layersComplete()
      },
      leaves: (piece, first, hashes) => events.leaves(piece, first, hashes),
    })
  }

  message(s: PeerSession, m: HashMessage): void {
    if (m.type === 'hashRequest') return this.answer(s, m)
    if (m.type === 'hashes') {
      // A proof that does not lead to the root we asked about: the peer lies about the torrent.
      if (this.fetcher.answer(s, m) === 'bad') return s.close('hashes that do not prove out (BEP 52)')
    } else {
      this.fetcher.rejected(s, m)
      // What it refused may go to someone else.
      for (const o of this.sessions()) if (o !== s) this.fetcher.fill(o)
    }
    this.fetcher.fill(s)
  }

  /** Ask leaves of a failed piece; false when no request can (one-block pieces, unknown hash). */
  wantLeaves(piece: number): boolean {
    if (!this.fetcher.wantLeaves(piece)) return false
    this.fillAll()
    return true
  }

  dropLeaves(piece: number): void {
    this.fetcher.dropLeaves(piece)
  }

  fill(s: PeerSession): void {
    this.fetcher.fill(s)
  }

  fillAll(): void {
    for (const s of this.sessions()) this.fetcher.fill(s)
  }

  tick(now: number): void {
    this.fetcher.tick(now)
    this.fillAll()
  }

  peerLeft(s: PeerSession): void {
    this.fetcher.peerLeft(s)
    this.answering.delete(s.id)
  }

  stats(): HashStats {
    return { ...this.fetcher.counts, served: this.served, refused: this.refused, layersComplete: this.hashes.layersComplete() }
  }

  private answer(s: PeerSession, m: HashMessage & { type: 'hashRequest' }): void {
    const { type: _type, ...request } = m
    const busy = this.answering.get(s.id) ?? 0
    const reject = (): void => {
      this.refused++
      s.send({ type: 'hashReject', ...request })
    }
    if (busy >= this.limits.maxHashAnswersPerPeer) return reject()
    this.answering.set(s.id, busy + 1)
    this.server
      .answer(request)
      .catch(() => null) // a store read failed: we cannot answer
      .then((hashes) => {
        if (s.closed) return
        this.answering.set(s.id, (this.answering.get(s.id) ?? 1) - 1)
        if (hashes === null) return reject()
        this.served++
        s.send({ type: 'hashes', ...request, hashes })
      })
  }
}
