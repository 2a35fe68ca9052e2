import { fromBinaryString, fromHex, toBinaryString, toHex } from '../../shared/bytes.ts'
import { RateLimiter, Torrent, type Limits } from '../../shared/engine/index.ts'
import { systemClock } from '../../shared/engine/adapters/system-clock.ts'
import { webCryptoHasher } from '../../shared/hash.ts'
import { newPeerId } from '../../shared/peer-id.ts'
import { formatMagnet, parseMagnet, swarmIdOf, type MagnetLink } from '../../shared/magnet/index.ts'
import { encodeTorrent, parseInfo, parseTorrent, pieceLayersDict, type MetaVersion, type TorrentInfo } from '../../shared/metainfo/index.ts'
import type { AppConfig } from './app-config.ts'
import { Library, type LibraryRecord } from './library.ts'
import { OpfsPieceStore } from './opfs-store.ts'
import { PeerPool } from '../../webrtc/peer-pool.ts'
import { checkSource, createFromDrop, missingBytes, sourceOf, type DroppedFile } from './seed-files.ts'
import { TaskList, type TaskView } from './task.ts'
import { startCopy, type CopyHost } from './drop-copy.ts'
import { pushDeadline, readStream, streamFileOf } from './torrent-stream.ts'
import { TorrentStore } from './torrent-store.ts'
import { PieceWaiters } from './piece-waiters.ts'
import { magnetFor, shareLink } from './share-link.ts'
import { defaultTorrentName } from './torrent-name.ts'
import { TrackerClient } from '../../webrtc/tracker-client.ts'
import { layoutOf } from './torrent-layout.ts'
import { applyChoices, bitsOf, detailOf, leftOf, storedFiles, statsOf, trackerUrlsOf, viewOf, type Active } from './torrent-snapshot.ts'
import type { FilePriority, RateLimits, TorrentDetail, TorrentView } from './torrent-view.ts'
import { recheckStored } from './opfs-piece-reader.ts'
import { TrackerSocketPool } from '../../webrtc/tracker-socket.ts'
import { TrackerConnections, type TrackerConnection } from './tracker-connections.ts'
import { SpeedHistory } from './speed-history.ts'
import { SAMPLE_MS, type ClientOptions } from './client-options.ts'

// The page's BitTorrent client: the engine (shared/engine) with its browser adapters, one per torrent,
// and the library that brings every torrent back after a reload. The UI calls these methods and renders
// `views()` on `onChange`; it never talks to peers itself.

export type { TorrentDetail, TorrentView } from './torrent-view.ts'
export type { TrackerConnection } from './tracker-connections.ts'
export type { TaskView } from './task.ts'
export type { ClientOptions } from './client-options.ts'

export class SwarmClient {
  onChange: (() => void) | null = null
  readonly peerId = newPeerId()
  readonly peers: PeerPool
  readonly sockets = new TrackerSocketPool()
  /** Hashing, copying, checking, saving under way (each with progress and a cancel). */
  readonly tasks = new TaskList()
  readonly #active = new Map<string, Active>()
  #config: AppConfig
  #keepSeeding: boolean
  readonly #connections: TrackerConnections
  #sampler: ReturnType<typeof setInterval>
  /** The global rate limits: every torrent's own limiters sit under these. */
  readonly #downLimiter = new RateLimiter()
  readonly #upLimiter = new RateLimiter()
  #onPageHide = () => void this.flushBitfields()
  readonly #copyHost: CopyHost
  /** Engine limits for every torrent (tests and benchmarks compare settings; the app uses the defaults). */
  readonly #engineLimits: Partial<Limits>

  constructor(
    config: AppConfig,
    readonly library: Library = new Library(),
    readonly pageUrl: string = location.href,
    options: ClientOptions = {},
  ) {
    this.#config = config
    this.#copyHost = { tasks: this.tasks, library, isCurrent: (a) => this.#active.get(a.record.infoHashHex) === a, changed: () => this.onChange?.() }
    this.#keepSeeding = options.keepSeeding ?? true
    this.#engineLimits = options.engineLimits ?? {}
    this.peers = new PeerPool({ iceServers: config.iceServers })
    this.setOptions(options)
    this.peers.onPeer = (infoHash, _remote, transport, initiator, lane) => {
      const a = this.#active.get(toHex(fromBinaryString(infoHash)))
      // Who dialled matters for a hybrid: the dialler offers the v2 upgrade, the dialled side answers it (BEP 52).
      if (a?.engine) a.engine.addPeer(transport, { kind: 'webrtc', initiator, lane })
      else transport.close('no such torrent here')
    }
    this.tasks.onChange = () => this.onChange?.()
    this.#connections = new TrackerConnections(this.sockets, () => this.onChange?.())
    this.#connections.set(config.trackers)
    this.#sampler = setInterval(() => this.#sample(), SAMPLE_MS)
    // Bitfield saves are debounced; on the way out, start the pending ones (best effort: IndexedDB
    // usually completes a write begun in pagehide, and a lost save only means refetching pieces).
    globalThis.addEventListener?.('pagehide', this.#onPageHide)
  }

  get config(): AppConfig {
    return this.#config
  }

  /** New trackers (for torrents added from now on and share links) and ICE servers (new connections). */
  setConfig(config: AppConfig): void {
    this.#config = config
    this.peers.setIceServers(config.iceServers)
    this.#connections.set(config.trackers)
    this.onChange?.()
  }

  setOptions(options: ClientOptions): void {
    if (options.keepSeeding !== undefined) this.#keepSeeding = options.keepSeeding
    if (options.maxPeersPerTorrent !== undefined) this.peers.limits.maxPerTorrent = options.maxPeersPerTorrent
    if (options.maxPeersTotal !== undefined) this.peers.limits.maxTotal = options.maxPeersTotal
    if (options.lanesPerPeer !== undefined) this.peers.limits.lanesPerPeer = options.lanesPerPeer
    if (options.downLimit !== undefined) this.#downLimiter.setRate(options.downLimit)
    if (options.upLimit !== undefined) this.#upLimiter.setRate(options.upLimit)
  }

  /** The page's own trackers and how its sockets to them are doing. */
  trackerConnections(): TrackerConnection[] {
    return this.#connections.list()
  }

  async flushBitfields(): Promise<void> {
    await Promise.all([...this.#active.values()].map((a) => a.persistence.flush()))
  }

  /** Bring back every torrent of the library (after a reload or a browser restart). */
  async resumeAll(): Promise<void> {
    for (const record of await this.library.list()) {
      if (this.#active.has(record.infoHashHex)) continue
      await this.#start(record).catch((e: unknown) => this.#fail(record.infoHashHex, e))
    }
  }

  /** A magnet (pasted, or from a share link): starts downloading at once. */
  async addMagnet(m: MagnetLink): Promise<string> {
    // The swarm id: the v1 info hash, or a v2-only magnet's SHA-256 truncated (BEP 52).
    const hex = toHex(swarmIdOf(m))
    if (this.#active.has(hex)) return hex
    const trackers = m.trackers.length > 0 ? m.trackers : this.#config.trackers
    const record = this.#newRecord(hex, m.name ?? hex, { kind: 'magnet', uri: formatMagnet({ ...m, trackers }) }, false)
    await this.#add(record)
    return hex
  }

  /** A .torrent file the user opened. */
  async addTorrentFile(bytes: Uint8Array): Promise<string> {
    const meta = await parseTorrent(bytes)
    if (this.#active.has(meta.infoHashHex)) return meta.infoHashHex
    const record = this.#newRecord(meta.infoHashHex, meta.name, { kind: 'torrent', bytes }, false)
    await this.#add(record)
    return meta.infoHashHex
  }

  /**
   * Hash dropped files into a torrent on this page's trackers and share it from the files at once;
   * the copy into OPFS runs afterwards as a task (`tasks`), and the torrent survives a reload once it
   * is done. The hashing is a task too: cancelling it rejects with an AbortError and leaves nothing.
   * `metaVersion`: 1 by default (seed-files.ts says why), `'hybrid'` or 2 for BEP 52.
   */
  async seed(files: DroppedFile[], name?: string, metaVersion?: MetaVersion): Promise<{ infoHashHex: string; link: string }> {
    const total = files.reduce((n, f) => n + f.file.size, 0)
    const named = name ?? defaultTorrentName(files)
    const label = named ?? files[0]!.file.name
    const made = await this.tasks.run('hashing', label, total, null, (task) =>
      createFromDrop(files, { announce: this.#config.trackers, ...(named !== undefined ? { name: named } : {}), ...(metaVersion !== undefined ? { metaVersion } : {}), signal: task.signal, onProgress: (n) => task.progress(n) }),
    )
    return this.#shareFromSource(made.torrent, made.metainfo, made.source)
  }

  /** Seed an existing .torrent from the user's copy of its files (every piece checked first, as a task). */
  async seedTorrent(torrentBytes: Uint8Array, files: DroppedFile[]): Promise<{ infoHashHex: string; link: string }> {
    const meta = await parseTorrent(torrentBytes)
    const source = sourceOf(meta, files)
    const all = Array.from({ length: meta.pieceCount }, (_, i) => i)
    await this.tasks.run('checking', meta.name, meta.length, meta.infoHashHex, (task) => checkSource(meta, source, all, { signal: task.signal, onProgress: (n) => task.progress(n) }))
    return this.#shareFromSource(torrentBytes, meta, source)
  }

  /**
   * The user picked a torrent's files again (a reload came before the copy was done): the missing
   * pieces are checked against the torrent, then it is shared from the files and the copy resumes.
   */
  async provideFiles(hex: string, files: DroppedFile[]): Promise<void> {
    const a = this.#active.get(hex)
    if (!a?.info) throw new Error('no such torrent, or its metadata has not arrived')
    await this.#attachSource(a, sourceOf(a.info, files))
  }

  async #attachSource(a: Active, source: Blob): Promise<void> {
    const info = a.info!
    const hex = info.infoHashHex
    const inner = a.store.inner
    const missing = inner ? inner.missing() : Array.from({ length: info.pieceCount }, (_, i) => i)
    await this.tasks.run('checking', info.name, inner ? missingBytes(inner) : info.length, hex, (task) => checkSource(info, source, missing, { signal: task.signal, onProgress: (n) => task.progress(n) }))
    // The engine must see every piece as available: restart the torrent with the source.
    const record = a.record
    await this.#stop(hex)
    await this.#start({ ...record, state: record.state === 'paused' ? 'seeding' : record.state }, source)
  }

  async #shareFromSource(torrent: Uint8Array, meta: TorrentInfo, source: Blob): Promise<{ infoHashHex: string; link: string }> {
    const hex = meta.infoHashHex
    const existing = this.#active.get(hex)
    if (existing) {
      // Already here: if it lacks data, these files fill it.
      if (existing.info && !(existing.engine?.isDone() ?? false) && !existing.store.source) await this.#attachSource(existing, source)
      return { infoHashHex: hex, link: this.shareLinkOf(hex) }
    }
    const record = this.#newRecord(hex, meta.name, { kind: 'torrent', bytes: torrent }, true)
    record.state = 'seeding'
    record.totals.length = meta.length
    await this.library.put(record)
    await this.#start(record, source)
    return { infoHashHex: hex, link: this.shareLinkOf(hex) }
  }

  shareLinkOf(hex: string): string {
    const a = this.#active.get(hex)
    const trackers = a?.info ? this.#config.trackers : a?.record.source.kind === 'magnet' ? parseMagnet(a.record.source.uri).trackers : this.#config.trackers
    const fromMagnet = a?.record.source.kind === 'magnet' ? parseMagnet(a.record.source.uri) : null
    const v2 = a?.info?.infoHashV2 ?? fromMagnet?.infoHashV2 ?? null
    const v2Only = a?.info ? a.info.metaVersion === 2 : fromMagnet !== null && !fromMagnet.infoHash
    return shareLink(this.pageUrl, magnetFor(hex, a?.record.name, trackers, v2 ? { infoHashV2: v2, v2Only } : undefined))
  }

  /** The .torrent of a torrent whose metadata is known (to download or share as a file). */
  torrentFile(hex: string): Uint8Array | null {
    const a = this.#active.get(hex)
    if (!a || a.record.source.kind !== 'torrent') return null
    return a.record.source.bytes
  }

  /** Stop exchanging data (peers, trackers) but keep everything; `resume` continues where it was. */
  async pause(hex: string): Promise<void> {
    const a = this.#active.get(hex)
    if (!a || a.record.state === 'paused') return
    // Paused at once in the list, and listed all along (no row vanishing while the store closes).
    a.record = { ...a.record, state: 'paused' }
    this.onChange?.()
    // Shared from the dropped files while the copy into OPFS runs: the files stay with the paused
    // torrent, and resuming shares from them again and finishes the copy (no picking them again).
    const source = a.store.source ?? undefined
    await this.#stop(hex, true)
    await this.library.update(hex, { state: 'paused' })
    await this.#start(a.record, source) // replaces the entry, inactive (paused records are not started)
  }

  async resume(hex: string): Promise<void> {
    const a = this.#active.get(hex)
    if (!a || a.record.state !== 'paused') return
    const record = { ...a.record, state: 'downloading' as const } // 'seeding' once the store says complete
    await this.library.update(hex, { state: record.state })
    await this.#start(record, a.store.source ?? undefined).catch((e: unknown) => this.#fail(hex, e))
  }

  /** Stop and forget a torrent; with `keepData` its pieces stay in OPFS, so adding it again resumes. */
  async remove(hex: string, options: { keepData?: boolean } = {}): Promise<void> {
    await this.#stop(hex)
    if (options.keepData) await this.library.forget(hex)
    else await this.library.remove(hex)
    this.onChange?.()
  }

  /** Skip a file, fetch it normally, or before the others. Kept in the library. */
  async setFilePriority(hex: string, fileIndex: number, priority: FilePriority): Promise<void> {
    const a = this.#active.get(hex)
    if (!a?.info || !Number.isInteger(fileIndex) || fileIndex < 0 || fileIndex >= a.info.files.length) return
    const priorities = a.info.files.map((_, i) => a.record.filePriorities?.[i] ?? 'normal')
    priorities[fileIndex] = priority
    await this.#choose(a, { filePriorities: priorities })
  }

  /** Fetch pieces in order (for playing while downloading) instead of rarest first. */
  async setSequential(hex: string, on: boolean): Promise<void> {
    const a = this.#active.get(hex)
    if (a) await this.#choose(a, { sequential: on })
  }

  /** This torrent's own rate limits (bytes per second, 0 = none), under the global ones. */
  async setRateLimits(hex: string, limits: RateLimits): Promise<void> {
    const a = this.#active.get(hex)
    if (a) await this.#choose(a, { limits })
  }

  /** A choice of the person's: kept in the library, applied to the engine at once. */
  async #choose(a: Active, patch: Pick<Partial<LibraryRecord>, 'filePriorities' | 'sequential' | 'limits'>): Promise<void> {
    a.record = { ...a.record, ...patch }
    await this.library.update(a.record.infoHashHex, patch)
    applyChoices(a)
    this.onChange?.()
  }

  /**
   * Read every stored piece back and hash it (the torrent is paused meanwhile and resumed after):
   * damaged or missing pieces are fetched again, pieces there but never recorded count.
   */
  async recheck(hex: string): Promise<void> {
    const before = this.#active.get(hex)
    if (!before?.info || before.checked !== null) return
    const wasPaused = before.record.state === 'paused'
    if (!wasPaused) await this.pause(hex)
    const a = this.#active.get(hex)
    if (!a?.info) return
    await recheckStored(a, a.info, () => this.onChange?.())
    if (!wasPaused) await this.resume(hex)
  }

  /** The stored files of a torrent (for save.ts), in torrent order; `completeOnly` leaves out partial ones. */
  async files(hex: string, options: { completeOnly?: boolean } = {}): Promise<{ path: string[]; file: File }[]> {
    return storedFiles(this.#active.get(hex), options.completeOnly ?? false)
  }

  /** One stored file (to save or preview it). */
  async file(hex: string, fileIndex: number): Promise<File> {
    const store = this.#active.get(hex)?.store.inner
    if (!store) throw new Error('the torrent has no data yet')
    return store.file(fileIndex)
  }

  /** File `fileIndex` of a torrent (for streams): its name and length; null if there is no such file yet. */
  fileOf(hex: string, fileIndex: number): { name: string; length: number } | null {
    return streamFileOf(this.#active.get(hex), fileIndex)
  }

  /**
   * Bytes [start, end) of a file of a torrent, downloading or not: waits (up to streamWaitMs) for the
   * pieces under the range, which the engine fetches first (torrent-stream.ts). For the stream service worker and previews.
   */
  async readFile(hex: string, fileIndex: number, start: number, end: number): Promise<Uint8Array> {
    const a = this.#active.get(hex)
    if (!a) throw new Error('this torrent is not open here')
    return readStream(a, fileIndex, start, end)
  }

  views(): TorrentView[] {
    return [...this.#active.values()].map((a) => viewOf(a, this.shareLinkOf(a.record.infoHashHex)))
  }

  /** Tasks under way (hashing, copying, checking, saving); `tasks.cancel(id)` cancels one. */
  taskViews(): TaskView[] {
    return this.tasks.views()
  }

  /** Files, peers, pieces, speed history and trackers of one torrent; null when there is no such torrent. */
  detail(hex: string): TorrentDetail | null {
    const a = this.#active.get(hex)
    return a ? detailOf(a) : null
  }

  async destroy(): Promise<void> {
    clearInterval(this.#sampler)
    globalThis.removeEventListener?.('pagehide', this.#onPageHide)
    this.#connections.close()
    for (const hex of [...this.#active.keys()]) await this.#stop(hex)
    this.peers.destroy()
    this.sockets.destroy()
  }

  /** Put a new torrent in the library and start it; one that cannot start (no room) is not kept. */
  async #add(record: LibraryRecord): Promise<void> {
    await this.library.put(record)
    try {
      await this.#start(record)
    } catch (err) {
      await this.#stop(record.infoHashHex).catch(() => {})
      await this.library.remove(record.infoHashHex)
      throw err
    }
  }

  #newRecord(hex: string, name: string, source: LibraryRecord['source'], seededFromDrop: boolean): LibraryRecord {
    return { infoHashHex: hex, name, source, state: 'downloading', seededFromDrop, totals: { uploaded: 0, downloaded: 0, length: null }, addedAt: Date.now() }
  }

  /** Open a torrent: its store, engine and tracker client. With `files`, shared from the user's files while OPFS fills. */
  async #start(record: LibraryRecord, files?: Blob): Promise<void> {
    const hex = record.infoHashHex
    const persistence = this.library.bitfieldPersistence(hex)
    const store = new TorrentStore(async (info) => OpfsPieceStore.open(layoutOf(info), { persistence }))
    // A torrent restarted (paused, resumed) keeps its history, and what it showed until the new one knows.
    const prev = this.#active.get(hex)
    const history = prev?.history ?? new SpeedHistory()
    const a: Active = { record, store, persistence, engine: null, tracker: null, info: prev?.info ?? null, fetched: 0, storedBits: prev?.storedBits ?? null, error: null, notice: null, sessionOnly: false, trackers: [], history, checked: null, unlisten: null, waiters: new PieceWaiters(), deadline: [], stopped: false }
    this.#active.set(hex, a)
    const meta = record.source.kind === 'torrent' ? await parseTorrent(record.source.bytes) : null
    a.info = meta
    if (record.state === 'paused') {
      // Listed with its progress, but nothing is opened: no files locked, no peers, no trackers
      // (the user's files, if shared from them, are only kept for resuming).
      if (meta && files) store.withSource(meta, files)
      a.storedBits = (await persistence.load()) ?? null
      this.onChange?.()
      return
    }
    let source: TorrentInfo | Uint8Array
    let trackers: string[]
    let infoHashV2: Uint8Array | undefined
    if (meta) {
      if (files) store.withSource(meta, files) // OPFS opens in the copy task, after the link is out
      else await store.openFor(meta)
      source = meta
      trackers = [...meta.announce.flat(), ...this.#config.trackers]
    } else {
      source = fromHex(hex)
      if (record.source.kind === 'magnet') infoHashV2 = parseMagnet(record.source.uri).infoHashV2
      trackers = trackerUrlsOf(a, this.#config.trackers)
      // A magnet naming only udp:// or http:// trackers: ours too, or it could never find a peer
      // (the view says why with a notice).
      if (!trackers.some((u) => /^wss?:\/\//i.test(u))) trackers = [...trackers, ...this.#config.trackers]
    }
    const engine = await Torrent.open(source, { store, hasher: webCryptoHasher, clock: systemClock }, {
      peerId: this.peerId,
      downloadLimiter: this.#downLimiter,
      uploadLimiter: this.#upLimiter,
      limits: this.#engineLimits,
      ...(infoHashV2 ? { infoHashV2 } : {}),
      parseInfo: async (bytes, infoHash) => {
        const info = await parseInfo(bytes, infoHash)
        await store.openFor(info) // quota check + files, before the engine asks what is verified
        a.info = info
        return info
      },
    })
    a.engine = engine
    applyChoices(a)
    if (engine.isDone() && a.record.state !== 'seeding') {
      a.record = { ...a.record, state: 'seeding' }
      await this.library.update(hex, { state: 'seeding' })
    }
    a.unlisten = engine.on((e) => void this.#onEvent(a, e))
    const tracker = new TrackerClient({
      infoHash: toBinaryString(fromHex(hex)),
      peerId: toBinaryString(this.peerId),
      announce: trackers,
      signaling: this.peers,
      pool: this.sockets,
      stats: () => ({ ...engine.transferred(), left: leftOf(a) }),
    })
    tracker.onStatus = (s) => {
      a.trackers = s
      this.onChange?.()
    }
    a.tracker = tracker
    tracker.start()
    if (files) startCopy(this.#copyHost, a, files)
    this.onChange?.()
  }

  async #onEvent(a: Active, e: Parameters<Parameters<Torrent['on']>[0]>[0]): Promise<void> {
    const hex = a.record.infoHashHex
    if (e.type === 'verified') {
      a.fetched++
      a.waiters.arrived(e.index)
      pushDeadline(a)
    }
    if ((e.type === 'metadata' || e.type === 'pieceLayers') && a.engine?.meta) {
      // Keep the metadata: after a reload the torrent resumes without asking peers for it again; and a
      // v2 torrent's piece layers once fetched (BEP 52), so the .torrent saved or shared is complete.
      const layers = a.engine.pieceLayers()
      const bytes = encodeTorrent({ infoBytes: a.engine.meta.infoBytes, announce: a.tracker ? a.tracker.urls.map((u) => [u]) : [], ...(layers ? { pieceLayers: pieceLayersDict(layers) } : {}) })
      a.record = { ...a.record, source: { kind: 'torrent', bytes }, name: a.info?.name ?? a.record.name }
      await this.library.put(a.record)
      if (e.type === 'metadata') applyChoices(a)
    }
    if (e.type === 'done') {
      a.tracker?.complete()
      a.record = { ...a.record, state: 'seeding' }
      await this.library.update(hex, { state: 'seeding' })
      if (!this.#keepSeeding && !a.record.seededFromDrop) await this.pause(hex)
    }
    if (e.type === 'peer') {
      // Its last peer gone and pieces still missing: ask the trackers again in seconds, not minutes.
      if (e.event === 'ready') a.tracker?.peerConnected()
      else if (a.engine?.peerCount === 0 && !a.engine.isDone()) a.tracker?.wantPeers()
    }
    if (e.type === 'error') a.error = e.message
    this.onChange?.()
  }

  #fail(hex: string, e: unknown): void {
    const a = this.#active.get(hex)
    if (a) a.error = e instanceof Error ? e.message : String(e)
    this.onChange?.()
  }

  /** Stop a torrent's engine, trackers and store; `keepListed` leaves it in the list until #start replaces it. */
  async #stop(hex: string, keepListed = false): Promise<void> {
    const a = this.#active.get(hex)
    if (!a) return
    if (!keepListed) this.#active.delete(hex)
    a.stopped = true
    this.tasks.cancelFor(hex) // a copy stops; what it copied stays
    a.waiters.clear()
    a.unlisten?.()
    a.tracker?.stop()
    a.engine?.destroy()
    this.peers.closeTorrent(toBinaryString(fromHex(hex)))
    a.storedBits = bitsOf(a)
    await a.store.close()
    // The engine counts this session; the library keeps the torrent's lifetime totals.
    const t = a.record.totals
    const moved = a.engine?.transferred()
    if (!moved) return
    const totals = { ...t, uploaded: t.uploaded + moved.uploaded, downloaded: t.downloaded + moved.downloaded }
    a.record = { ...a.record, totals }
    await this.library.update(hex, { totals })
  }

  #sample(): void {
    const t = performance.now()
    for (const a of this.#active.values()) {
      const s = statsOf(a)
      a.history.add({ t, down: s?.downloadRate ?? 0, up: s?.uploadRate ?? 0 })
    }
  }
}
