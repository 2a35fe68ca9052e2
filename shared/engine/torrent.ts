import { bytesEqual, toHex } from '../bytes.ts'
import { parseInfo } from '../metainfo/index.ts'
import { allowedFastSet } from '../wire/allowed-fast.ts'
import type { BlockRef, Handshake, MetadataMessage } from '../wire/messages.ts'
import type { Bitfield } from './bitfield.ts'
import { Downloader } from './downloader.ts'
import { piecePriorities, piecePrioritiesOf } from './file-selection.ts'
import { HashExchange } from './hash-exchange.ts'
import { defaultLimits, type Limits } from './limits.ts'
import { MetadataFetcher, serveMetadata } from './metadata-exchange.ts'
import { PeerSession, type SessionHost } from './peer-session.ts'
import type { Clock, Hasher, PieceStore, Transport } from './ports.ts'
import { pieceStates, torrentStats, type ClosedPeer, type TorrentStats } from './stats.ts'
import type { SwarmIds } from './swarm-ids.ts'
import type { InfoParser, TorrentMeta } from './torrent-meta.ts'
import { RateLimiter } from './rate-limiter.ts'
import { Uploader } from './uploader.ts'

// One torrent: owns its peer sessions and wires them to the parts that decide (downloader with its
// picker, uploader with its choker, metadata exchange). Built from a TorrentMeta, or from just an
// info hash (magnet mode: the info dict is fetched from peers first, BEP 9). Its public surface is
// the methods above the SessionHost section; the parts it wires stay private.

export interface TorrentPorts {
  store: PieceStore
  hasher: Hasher
  clock: Clock
}

export interface TorrentOptions {
  peerId: Uint8Array
  limits?: Partial<Limits>
  /** Seeded randomness for the picker and choker (tests); defaults to Math.random. */
  random?: () => number
  client?: string
  /** Turns fetched info-dict bytes into a TorrentMeta; defaults to shared/metainfo's parseInfo, hashing through the Hasher port. */
  parseInfo?: InfoParser
  /** Limits shared with other torrents (a client's global rates): this torrent's own sit under them. */
  downloadLimiter?: RateLimiter
  uploadLimiter?: RateLimiter
  /**
   * A magnet's v2 info hash (32 bytes, `btmh`): with the v1 hash as the source, a hybrid's peers may
   * upgrade to v2 (BEP 52); as the source's only hash (its first 20 bytes), a v2 magnet.
   */
  infoHashV2?: Uint8Array
}

/** What an adapter knows about a connection it hands over. */
export interface PeerInfo {
  /** Whether we dialled (accepted for adapters that know it; both ends handshake at once). */
  initiator?: boolean
  /** The adapter's name for the connection ('tcp', 'webrtc'): shown per peer in stats(). */
  kind?: string
  /** The peer's IP address (TCP knows it, WebRTC does not): with IPv4 we grant BEP 6 allowed-fast pieces. */
  address?: string
  /**
   * The swarm id (20 bytes) this peer was found under, when the adapter knows it: a hybrid's peer
   * from a tracker's v2 swarm is greeted with the v2 id (BEP 52). Default: `infoHash`.
   */
  swarmId?: Uint8Array
  /**
   * Another connection to a peer we already have a session with, opened by the adapter to carry more
   * (WebRTC lanes: webrtc/peer-pool.ts, which bounds them): it is not refused for its peer id. Each
   * lane is a full session; a ban by peer id closes them all.
   */
  lane?: boolean
}

export type TorrentEvent =
  | { type: 'metadata' }
  /** BEP 52: every piece layer is now known (fetched from peers): `pieceLayers()` has them. */
  | { type: 'pieceLayers' }
  | { type: 'verified'; index: number }
  | { type: 'done' }
  | { type: 'peer'; id: number; event: 'ready' | 'closed'; reason?: string }
  | { type: 'banned'; peerId: string }
  | { type: 'error'; message: string }

export class Torrent {
  readonly infoHash: Uint8Array
  readonly limits: Readonly<Limits>
  private _meta: TorrentMeta | null = null
  private downloader: Downloader | null = null
  /** BEP 52 hash messages (v2 and hybrid torrents, once the info dict is known). */
  private hashExchange: HashExchange | null = null
  private readonly uploader: Uploader
  private readonly sessions = new Map<number, PeerSession>()
  private readonly banned = new Set<string>()
  private readonly closedPeers: ClosedPeer[] = []
  private fetcher: MetadataFetcher | null = null
  /** BEP 9 fetch figures, kept once the fetcher is gone. */
  private metadataFetch = { sources: 0, failures: 0 }
  private sequential = false
  /** Payload bytes over the torrent's life, including peers since disconnected. */
  private readonly totals = { downloaded: 0, uploaded: 0, late: 0 }
  private readonly listeners = new Set<(e: TorrentEvent) => void>()
  private readonly random: () => number
  private readonly timers: unknown[] = []
  private nextId = 1
  private destroyed = false
  private doneEmitted = false
  private metadataFill: unknown = null
  private readonly downLimiter: RateLimiter
  private readonly upLimiter: RateLimiter
  /** The sessions' view of this torrent: the SessionHost callbacks, kept off the public surface. */
  private readonly host: SessionHost<PeerSession> = {
    accept: (s, h) => this.accept(s, h),
    announce: () => this.announce(),
    extendedHandshake: (s) => this.extendedHandshake(s),
    peerPieces: (s, i) => this.peerPieces(s, i),
    peerPiecesReplaced: (s, before) => this.peerPiecesReplaced(s, before),
    chokeChanged: (s, lost) => this.chokeChanged(s, lost),
    peerInterestChanged: (s) => this.uploader.interestChanged(s),
    block: (s, ref, data) => this.block(s, ref, data),
    rejected: (_s, ref) => this.downloader?.returned([ref]),
    requestQueued: (s) => this.uploader.serve(s),
    haveVerified: (i) => this.haveVerified(i),
    validBlock: (ref) => this.downloader?.picker.isValidBlock(ref) ?? false,
    metadata: (s, m) => this.metadata(s, m),
    hashMessage: (s, m) => this.hashExchange?.message(s, m),
    drained: (s) => this.uploader.serve(s),
    uploaded: (bytes) => {
      this.totals.uploaded += bytes
    },
    closed: (s, reason, unanswered) => this.closed(s, reason, unanswered),
  }

  private constructor(source: TorrentMeta | Uint8Array, private readonly ports: TorrentPorts, private readonly options: TorrentOptions) {
    this.limits = { ...defaultLimits, ...options.limits }
    this.random = options.random ?? Math.random
    this.infoHash = source instanceof Uint8Array ? source : source.infoHash
    const sessions = () => this.sessions.values()
    this.downLimiter = new RateLimiter(0, options.downloadLimiter ?? null)
    this.upLimiter = new RateLimiter(0, options.uploadLimiter ?? null)
    this.uploader = new Uploader(ports.store, ports.clock, this.limits, this.random, sessions, () => this.isDone(), (i) => this.haveVerified(i), this.upLimiter)
    this.timers.push(ports.clock.setInterval(() => this.tick(), this.limits.tickMs))
    this.timers.push(ports.clock.setInterval(() => this.uploader.rechoke(), this.limits.rechokeIntervalMs))
  }

  /** Opens a torrent; pieces the store already holds (resume, or a seeder) count as verified. */
  static async open(source: TorrentMeta | Uint8Array, ports: TorrentPorts, options: TorrentOptions): Promise<Torrent> {
    const t = new Torrent(source, ports, options)
    if (source instanceof Uint8Array) {
      t.fetcher = new MetadataFetcher(t.infoHash, ports.hasher, t.limits, (bytes) => void t.metadataFetched(bytes))
    } else {
      await t.setMeta(source)
    }
    return t
  }

  /** The info dict, once known (at once from a .torrent, after BEP 9 from a magnet). */
  get meta(): TorrentMeta | null {
    return this._meta
  }

  on(listener: (e: TorrentEvent) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** Attach a connected transport; the session handshakes at once (both ends do, as WebTorrent). */
  addPeer(transport: Transport, info: PeerInfo = {}): PeerSession | null {
    if (this.destroyed || this.sessions.size >= this.limits.maxPeers) {
      transport.close('torrent full')
      return null
    }
    const s = new PeerSession(transport, this.host, {
      id: this.nextId++,
      infoHash: this.infoHash,
      peerId: this.options.peerId,
      swarmIds: () => this.swarmIds(),
      ...(info.initiator !== undefined ? { initiator: info.initiator } : {}),
      ...(info.swarmId !== undefined ? { swarmId: info.swarmId } : {}),
      clock: this.ports.clock,
      limits: this.limits,
      pieceCount: this._meta?.pieceCount,
      client: this.options.client ?? 'swarmdrop 0.1',
      ...(info.kind !== undefined ? { kind: info.kind } : {}),
      ...(info.address !== undefined ? { address: info.address } : {}),
      ...(info.lane ? { lane: true } : {}),
    })
    if (!s.closed) this.sessions.set(s.id, s)
    return s
  }

  isDone(): boolean {
    return this.downloader?.picker.isDone() ?? false
  }

  /**
   * The ids peers may know this swarm by (20 bytes each): the v1 info hash and the v2 one truncated
   * (BEP 52), as far as we know them; `primary` is `infoHash`. An incoming connection router should
   * route both of a hybrid here.
   */
  swarmIds(): SwarmIds {
    const meta = this._meta
    const fromMagnet = this.options.infoHashV2?.subarray(0, 20) ?? null
    const v2 = meta ? (meta.infoHashV2?.slice(0, 20) ?? null) : fromMagnet
    const v1 = meta ? (meta.metaVersion === 2 ? null : (meta.infoHashV1 ?? meta.infoHash)) : fromMagnet && bytesEqual(fromMagnet, this.infoHash) ? null : this.infoHash
    return { primary: this.infoHash, v1, v2 }
  }

  /**
   * BEP 52 piece layers by pieces root (hex), once all are known (a .torrent had them, or they were
   * fetched from peers); null for a v1 torrent, or while some are missing.
   */
  pieceLayers(): Map<string, Uint8Array> | null {
    const x = this.hashExchange
    return x && x.hashes.layersComplete() ? x.hashes.completeLayers() : null
  }

  /** Connections, handshaken or not. */
  get peerCount(): number {
    return this.sessions.size
  }

  /** Payload bytes moved over the torrent's life (this engine's), peers since gone included. */
  transferred(): { downloaded: number; uploaded: number } {
    return { downloaded: this.totals.downloaded, uploaded: this.totals.uploaded }
  }

  /** A snapshot for the UI and tests: progress, rates, totals, every ready peer. */
  stats(): TorrentStats {
    return torrentStats({
      infoHash: this.infoHash,
      meta: this._meta,
      downloader: this.downloader,
      sessions: this.sessions.values(),
      now: this.ports.clock.now(),
      snubMs: this.limits.snubTimeoutMs,
      done: this.isDone(),
      totals: this.totals,
      banned: this.banned.size,
      closedPeers: this.closedPeers,
      metadata: this.fetcher ? { sources: this.fetcher.sources.size, failures: this.metadataFetch.failures + this.fetcher.failures } : this.metadataFetch,
      hashes: this.hashExchange?.stats() ?? null,
    })
  }

  /** Download only these files (indices into meta.files); pieces only in other files are skipped. */
  selectFiles(indices: Iterable<number>): void {
    const d = this.downloader
    const meta = this._meta
    if (!d || !meta?.files) return
    d.picker.priority.set(piecePriorities(meta.files, meta.pieceLength, meta.pieceCount, indices))
    this.refreshAll()
  }

  /**
   * Fetch these pieces before any other, most urgent first (a player's playhead, then read-ahead);
   * a new list replaces the old one (a seek moves the deadline). See piece-picker.ts.
   */
  setDeadlines(pieces: Iterable<number>): void {
    const d = this.downloader
    if (!d) return
    const before = d.picker.deadlinePieces()[0]
    d.picker.setDeadlines(pieces)
    // A new head (a player started or seeked) clears the way through the peers' queues; the same
    // head with more read-ahead (each arriving piece) only tops up the pipelines.
    const moved = d.picker.deadlinePieces()[0] !== before
    for (const s of this.sessions.values()) {
      if (moved) d.makeRoomForDeadlines(s)
      d.update(s)
    }
  }

  /** A priority per file (0 skip, 1 normal, 2 high): high files' pieces start first, skipped ones never. */
  setFilePriorities(priorities: readonly number[]): void {
    const d = this.downloader
    const meta = this._meta
    if (!d || !meta?.files) return
    d.picker.priority.set(piecePrioritiesOf(meta.files, meta.pieceLength, meta.pieceCount, priorities))
    this.refreshAll()
  }

  /** This torrent's own rate limits in bytes per second (0 = none), under the shared ones. */
  setRateLimits(limits: { download?: number; upload?: number }): void {
    if (limits.download !== undefined) this.downLimiter.setRate(limits.download)
    if (limits.upload !== undefined) this.upLimiter.setRate(limits.upload)
  }

  /** Each piece for the piece map: missing, in flight, verified, failed (last check), skipped. */
  pieceStates(): Uint8Array {
    return pieceStates(this.downloader)
  }

  setSequential(on: boolean): void {
    this.sequential = on
    if (this.downloader) this.downloader.picker.sequential = on
  }

  destroy(): void {
    if (this.destroyed) return
    this.destroyed = true
    for (const t of this.timers) this.ports.clock.clearInterval(t)
    for (const s of [...this.sessions.values()]) s.close('torrent destroyed')
  }

  // ---- what the sessions report (SessionHost, given to each session as `host`) ---------------

  private accept(s: PeerSession, h: Handshake): boolean {
    const id = toHex(h.peerId)
    if (this.banned.has(id) || bytesEqual(h.peerId, this.options.peerId)) return false
    if (s.lane) return true
    for (const o of this.sessions.values()) if (o !== s && o.ready && o.peerKey === id && !o.lane) return false
    return true
  }

  private announce(): { pieceCount: number | undefined; have: Uint8Array | null; all: boolean; metadataSize: number | undefined } {
    const have = this.downloader?.picker.have
    return { pieceCount: this._meta?.pieceCount, have: have?.toWire() ?? null, all: have?.isFull() ?? false, metadataSize: this._meta?.infoBytes.length }
  }

  private extendedHandshake(s: PeerSession): void {
    if (!this.fetcher) return
    this.fetcher.peerOffered(s)
    // Handshakes arriving together are considered together, so the pieces spread over those peers.
    this.metadataFill ??= this.ports.clock.setTimeout(() => {
      this.metadataFill = null
      this.fetcher?.fill(this.sessions.values(), this.ports.clock.now())
    }, 0)
  }

  private peerPieces(s: PeerSession, index?: number): void {
    const d = this.downloader
    if (!d || !s.state.pieces) return
    if (index === undefined) {
      this.emit({ type: 'peer', id: s.id, event: 'ready' })
      d.peerJoined(s)
      d.update(s)
      this.hashExchange?.fill(s)
      void this.grantAllowedFast(s)
    } else {
      d.picker.incrementAvailability(index)
      if (!s.state.amInterested && d.picker.wanted(index)) d.update(s)
      this.hashExchange?.fill(s)
    }
  }

  private peerPiecesReplaced(s: PeerSession, before: Bitfield | null): void {
    const d = this.downloader
    if (!d || !before || !s.state.pieces) return
    d.picker.removeAvailability(before)
    d.picker.addAvailability(s.state.pieces)
    d.update(s)
  }

  private chokeChanged(s: PeerSession, lost: BlockRef[]): void {
    this.downloader?.returned(lost)
    this.downloader?.fill(s)
  }

  private block(s: PeerSession, ref: BlockRef, data: Uint8Array): void {
    this.totals.downloaded += data.length
    this.downloader?.block(s, ref, data)
    this.downloader?.fill(s)
  }

  private haveVerified(index: number): boolean {
    return this.downloader?.picker.have.has(index) ?? false
  }

  private metadata(s: PeerSession, m: MetadataMessage): void {
    if (m.msgType === 'request') return serveMetadata(s, m, this._meta?.infoBytes ?? null)
    if (this.fetcher) {
      this.fetcher.message(s, m)
      this.fetcher.fill(this.sessions.values(), this.ports.clock.now())
    }
  }

  private closed(s: PeerSession, reason: string, unanswered: BlockRef[]): void {
    if (!this.sessions.delete(s.id)) return
    this.closedPeers.push({ id: s.id, peerId: s.peerKey, reason })
    if (this.closedPeers.length > this.limits.maxPeers) this.closedPeers.shift()
    this.downloader?.peerLeft(s, unanswered)
    this.hashExchange?.peerLeft(s)
    this.uploader.peerLeft(s)
    this.fetcher?.peerLeft(s)
    this.totals.late += s.lateBytes
    this.emit({ type: 'peer', id: s.id, event: 'closed', reason })
    if (!this.destroyed) this.refreshAll()
  }

  // ---- internals ---------------------------------------------------------------------------

  private async setMeta(meta: TorrentMeta): Promise<void> {
    this._meta = meta
    const sessions = () => this.sessions.values()
    const x = (meta.metaVersion ?? 1) === 1 ? null : new HashExchange(meta, this.ports.store, this.ports.hasher, this.ports.clock, this.limits, (i) => this.haveVerified(i), sessions, {
      layerPieces: (pieces) => this.downloader?.hashesKnown(pieces),
      leaves: (piece, first, hashes) => this.downloader?.leavesArrived(piece, first, hashes),
      layersComplete: () => this.emit({ type: 'pieceLayers' }),
    })
    const d = new Downloader(meta, this.ports.store, this.ports.hasher, this.ports.clock, this.limits, this.random, sessions, {
      verified: (i) => this.pieceVerified(i),
      ban: (peer) => this.ban(peer),
      error: (message) => this.emit({ type: 'error', message }),
      wantLeaves: (piece) => x?.wantLeaves(piece) ?? false,
      dropLeaves: (piece) => x?.dropLeaves(piece),
    }, this.downLimiter, x?.hashes ?? null)
    this.hashExchange = x
    d.picker.sequential = this.sequential
    for (const i of await this.ports.store.verified()) if (i >= 0 && i < meta.pieceCount) d.picker.verified(i)
    this.downloader = d
    for (const s of this.sessions.values()) {
      s.setPieceCount(meta.pieceCount)
      if (s.closed || !s.ready) continue
      // Magnet: the peers learn what we have now that we know what there is.
      // (We announced have-none or nothing before, so each piece goes out as a have.)
      for (const i of d.picker.have.indices()) s.send({ type: 'have', index: i })
      d.peerJoined(s)
      x?.fill(s)
    }
    this.refreshAll()
  }

  private async metadataFetched(bytes: Uint8Array): Promise<void> {
    try {
      const parse = this.options.parseInfo ?? ((b: Uint8Array, h: Uint8Array) => parseInfo(b, h, this.ports.hasher))
      const meta = await parse(bytes, this.infoHash)
      if (this.fetcher) this.metadataFetch = { sources: this.fetcher.sources.size, failures: this.metadataFetch.failures + this.fetcher.failures }
      this.fetcher = null
      await this.setMeta(meta)
      this.emit({ type: 'metadata' })
    } catch (e) {
      this.emit({ type: 'error', message: `metadata unusable: ${e instanceof Error ? e.message : String(e)}` })
    }
  }

  private pieceVerified(index: number): void {
    const d = this.downloader!
    this.emit({ type: 'verified', index })
    for (const s of this.sessions.values()) {
      if (!s.ready) continue
      if (!s.state.pieces?.has(index)) s.send({ type: 'have', index })
      if (s.state.amInterested) d.update(s)
    }
    if (d.picker.isDone() && !this.doneEmitted) {
      this.doneEmitted = true
      this.emit({ type: 'done' })
    }
  }

  /**
   * BEP 6: a peer whose IPv4 address we know gets its allowed-fast set (derived from the address and
   * the info hash, so every client computes the same one), pieces it may request even while choked: a
   * newcomer gets its first pieces before any rechoke. We announce the ones we have; a seed needs none.
   */
  private async grantAllowedFast(s: PeerSession): Promise<void> {
    const meta = this._meta
    const k = this.limits.allowedFastSetSize
    if (!meta || !s.caps.fast || k <= 0 || s.state.isSeed || !s.address || !/^\d+\.\d+\.\d+\.\d+$/.test(s.address)) return
    let set: number[]
    try {
      set = await allowedFastSet(Math.min(k, this.limits.maxAllowedFast), s.address, meta.infoHash, meta.pieceCount, (d) => this.ports.hasher.sha1(d))
    } catch {
      return // not a usable address
    }
    if (s.closed) return
    for (const i of set) {
      s.state.allowedFastForPeer.add(i)
      if (this.haveVerified(i)) s.send({ type: 'allowedFast', index: i })
    }
  }

  private ban(peerId: string): void {
    if (this.banned.has(peerId)) return
    this.banned.add(peerId)
    if (this.banned.size > this.limits.maxBanned) {
      const oldest = this.banned.values().next().value
      if (oldest !== undefined) this.banned.delete(oldest)
    }
    this.emit({ type: 'banned', peerId })
    for (const s of [...this.sessions.values()]) if (s.peerKey === peerId) s.close('banned: bad data')
  }

  private refreshAll(): void {
    for (const s of this.sessions.values()) this.downloader?.update(s)
  }

  private tick(): void {
    const now = this.ports.clock.now()
    for (const s of [...this.sessions.values()]) {
      const late = s.tick(now)
      this.downloader?.returned(late)
    }
    this.downloader?.tick(now)
    for (const s of this.sessions.values()) this.downloader?.fill(s)
    this.hashExchange?.tick(now)
    this.fetcher?.fill(this.sessions.values(), now)
  }

  private emit(e: TorrentEvent): void {
    for (const l of this.listeners) l(e)
  }
}
