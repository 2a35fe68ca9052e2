import { fromBinaryString, fromHex, toBinaryString, toHex } from '../../shared/bytes.ts'
import { Torrent } from '../../shared/engine/index.ts'
import { systemClock } from '../../shared/engine/adapters/system-clock.ts'
import { webCryptoHasher } from '../../shared/hash.ts'
import { newPeerId } from '../../shared/peer-id.ts'
import { formatMagnet, parseMagnet, type MagnetLink } from '../../shared/magnet/index.ts'
import { encodeTorrent, MetainfoError, parseInfo, parseTorrent, type TorrentInfo } from '../../shared/metainfo/index.ts'
import type { AppConfig } from './app-config.ts'
import { Library, type LibraryRecord } from './library.ts'
import { OpfsPieceStore } from './opfs-store.ts'
import { PeerPool } from '../../webrtc/peer-pool.ts'
import { checkSource, copyIntoStore, createFromDrop, missingBytes, sourceOf, type DroppedFile } from './seed-files.ts'
import { QuotaError } from './storage-quota.ts'
import { isAbort, TaskList, type TaskView } from './task.ts'
import { TorrentStore } from './torrent-store.ts'
import { piecesOfRange, readAheadPieces, readFileRange } from './file-range.ts'
import { PieceWaiters } from './piece-waiters.ts'
import { WEB_LIMITS } from './limits.ts'
import { magnetFor, shareLink } from './share-link.ts'
import { TrackerClient, type TrackerStatus } from '../../webrtc/tracker-client.ts'
import { layoutOf } from './torrent-layout.ts'
import { countBits, type TorrentView } from './torrent-view.ts'
import { TrackerSocketPool } from '../../webrtc/tracker-socket.ts'

// The page's BitTorrent client: the engine (shared/engine) with its browser adapters, one per torrent,
// and the library that brings every torrent back after a reload. The UI calls these methods and renders
// `views()` on `onChange`; it never talks to peers itself.

export type { TorrentView } from './torrent-view.ts'
export type { TaskView } from './task.ts'

interface Active {
  record: LibraryRecord
  store: TorrentStore
  persistence: ReturnType<Library['bitfieldPersistence']>
  engine: Torrent | null
  tracker: TrackerClient | null
  info: TorrentInfo | null
  fetched: number
  /** Pieces verified per the library's bitfield while the store is not open (paused). */
  storedPieces: number
  error: string | null
  /** Something the person should know that is not an error (shared from the file only, ...). */
  notice: string | null
  /** Not in the library: shared from the user's file for as long as the page lives. */
  sessionOnly: boolean
  trackers: TrackerStatus[]
  /** Streams and previews waiting for pieces. */
  waiters: PieceWaiters
  /** Pieces the streams want first, most urgent first (the engine gets the head of it). */
  deadline: number[]
}

export class SwarmClient {
  onChange: (() => void) | null = null
  readonly peerId = newPeerId()
  readonly peers: PeerPool
  readonly sockets = new TrackerSocketPool()
  /** Hashing, copying, checking, saving under way (each with progress and a cancel). */
  readonly tasks = new TaskList()
  readonly #active = new Map<string, Active>()

  constructor(
    readonly config: AppConfig,
    readonly library: Library = new Library(),
    readonly pageUrl: string = location.href,
  ) {
    this.peers = new PeerPool({ iceServers: config.iceServers })
    this.peers.onPeer = (infoHash, _remote, transport) => {
      const a = this.#active.get(toHex(fromBinaryString(infoHash)))
      if (a?.engine) a.engine.addPeer(transport)
      else transport.close('no such torrent here')
    }
    this.tasks.onChange = () => this.onChange?.()
    // Bitfield saves are debounced; on the way out, start the pending ones (best effort: IndexedDB
    // usually completes a write begun in pagehide, and a lost save only means refetching pieces).
    globalThis.addEventListener?.('pagehide', () => void this.flushBitfields())
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
    const hex = m.infoHashHex ?? (m.infoHash ? toHex(m.infoHash) : undefined)
    if (!hex) throw new TypeError('this magnet has no v1 info hash')
    if (this.#active.has(hex)) return hex
    const trackers = m.trackers.length > 0 ? m.trackers : this.config.trackers
    const record = this.#newRecord(hex, m.name ?? hex, { kind: 'magnet', uri: formatMagnet({ ...m, trackers }) }, false)
    await this.#add(record)
    return hex
  }

  /** A .torrent file the user opened. */
  async addTorrentFile(bytes: Uint8Array): Promise<string> {
    const meta = refuseV2Only(await parseTorrent(bytes))
    if (this.#active.has(meta.infoHashHex)) return meta.infoHashHex
    const record = this.#newRecord(meta.infoHashHex, meta.name, { kind: 'torrent', bytes }, false)
    await this.#add(record)
    return meta.infoHashHex
  }

  /**
   * Hash dropped files into a torrent on this page's trackers and share it from the files at once;
   * the copy into OPFS runs afterwards as a task (`tasks`), and the torrent survives a reload once it
   * is done. The hashing is a task too: cancelling it rejects with an AbortError and leaves nothing.
   */
  async seed(files: DroppedFile[], name?: string): Promise<{ infoHashHex: string; link: string }> {
    const total = files.reduce((n, f) => n + f.file.size, 0)
    const label = name ?? (files.length === 1 ? files[0]!.file.name : `${files.length} files`)
    const made = await this.tasks.run('hashing', label, total, null, (task) =>
      createFromDrop(files, { announce: this.config.trackers, ...(name !== undefined ? { name } : {}), signal: task.signal, onProgress: (n) => task.progress(n) }),
    )
    return this.#shareFromSource(made.torrent, made.metainfo, made.source)
  }

  /** Seed an existing .torrent from the user's copy of its files (every piece checked first, as a task). */
  async seedTorrent(torrentBytes: Uint8Array, files: DroppedFile[]): Promise<{ infoHashHex: string; link: string }> {
    const meta = refuseV2Only(await parseTorrent(torrentBytes), true)
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
      if (existing.info && !this.#views(existing).done && !existing.store.source) await this.#attachSource(existing, source)
      return { infoHashHex: hex, link: this.shareLinkOf(hex) }
    }
    const record = this.#newRecord(hex, meta.name, { kind: 'torrent', bytes: torrent }, true)
    record.state = 'seeding'
    record.totals.length = meta.length
    await this.library.put(record)
    await this.#start(record, source)
    return { infoHashHex: hex, link: this.shareLinkOf(hex) }
  }

  /**
   * Open the OPFS store (quota check first) and copy what it lacks from the source, as a task.
   * Without room, or cancelled, the torrent lives on from the user's file for this page only.
   */
  #copy(a: Active, source: Blob): void {
    const hex = a.record.infoHashHex
    const info = a.info!
    const current = () => this.#active.get(hex) === a
    void this.tasks
      .run('copying', a.record.name, info.length, hex, async (task) => {
        const inner = await OpfsPieceStore.open(layoutOf(info), { persistence: a.persistence })
        if (!current()) return inner.close()
        a.store.attach(inner)
        task.progress(info.length - missingBytes(inner))
        const before = task.doneBytes
        await copyIntoStore(inner, source, { signal: task.signal, onProgress: (n) => task.progress(before + n) })
        a.store.source = null // every piece is in OPFS now: the user's file is no longer needed
        await a.persistence.flush()
      })
      .catch(async (err: unknown) => {
        if (!current()) return
        if (err instanceof QuotaError) await this.#sourceOnly(a, `Not enough room in the browser's storage to keep a copy (${err.message.replace(/^not enough storage: /, '')}): shared from your file while this page is open.`)
        else if (isAbort(err)) await this.#sourceOnly(a, 'Copy cancelled: shared from your file while this page is open, not kept in this browser.')
        else a.error = `copying into the browser's storage failed: ${err instanceof Error ? err.message : String(err)}`
      })
      .finally(() => this.onChange?.())
  }

  /** Keep nothing in the browser (no room, or the copy was cancelled): share from the file, this page only. */
  async #sourceOnly(a: Active, notice: string): Promise<void> {
    await a.store.closeInner()
    await this.library.remove(a.record.infoHashHex) // the record, its bitfield and the partial copy: nothing half-made stays
    a.sessionOnly = true
    a.notice = notice
  }

  shareLinkOf(hex: string): string {
    const a = this.#active.get(hex)
    const trackers = a?.info ? this.config.trackers : a?.record.source.kind === 'magnet' ? parseMagnet(a.record.source.uri).trackers : this.config.trackers
    return shareLink(this.pageUrl, magnetFor(hex, a?.record.name, trackers))
  }

  /** Stop exchanging data (peers, trackers) but keep everything; `resume` continues where it was. */
  async pause(hex: string): Promise<void> {
    const a = this.#active.get(hex)
    if (!a || a.record.state === 'paused') return
    await this.#stop(hex)
    const record = { ...a.record, state: 'paused' as const }
    await this.library.update(hex, { state: 'paused' })
    await this.#start(record) // registers it as inactive (paused records are not started)
  }

  async resume(hex: string): Promise<void> {
    const a = this.#active.get(hex)
    if (!a || a.record.state !== 'paused') return
    this.#active.delete(hex)
    const record = { ...a.record, state: 'downloading' as const } // 'seeding' once the store says complete
    await this.library.update(hex, { state: record.state })
    await this.#start(record).catch((e: unknown) => this.#fail(hex, e))
  }

  async remove(hex: string): Promise<void> {
    await this.#stop(hex)
    await this.library.remove(hex)
    this.onChange?.()
  }

  /** The stored files of a torrent (for save.ts), in torrent order. */
  async files(hex: string): Promise<{ path: string[]; file: File }[]> {
    const a = this.#active.get(hex)
    const store = a?.store.inner
    const source = a?.store.source ?? null
    if (!a?.info || (!store && !source)) throw new Error('the torrent has no data yet')
    const out: { path: string[]; file: File }[] = []
    for (let i = 0; i < a.info.files.length; i++) {
      const f = a.info.files[i]!
      if (f.padding) continue
      // While a dropped file is still being copied, OPFS holds only part of it: save from the source.
      const file = source ? new File([source.slice(f.offset, f.offset + f.length)], f.path[f.path.length - 1]!) : await store!.file(i)
      out.push({ path: f.path, file })
    }
    return out
  }

  /** File `fileIndex` of a torrent (for streams): its name and length; null if there is no such file yet. */
  fileOf(hex: string, fileIndex: number): { name: string; length: number } | null {
    const f = this.#active.get(hex)?.info?.files[fileIndex]
    return f && !f.padding ? { name: f.path[f.path.length - 1]!, length: f.length } : null
  }

  /**
   * Bytes [start, end) of a file of a torrent, downloading or not: waits (up to streamWaitMs) for the
   * pieces under the range, which the engine fetches first. For the stream service worker and previews.
   */
  async readFile(hex: string, fileIndex: number, start: number, end: number): Promise<Uint8Array> {
    const a = this.#active.get(hex)
    if (!a?.info || !a.engine) throw new Error('this torrent is not open here')
    const info = a.info
    return readFileRange(info, a.store, fileIndex, start, end, (pieces) => {
      // The deadline: this range (the playhead), its read-ahead, then what other reads still wait
      // for; the latest read leads, so a seek moves the deadline at once.
      const [, last] = piecesOfRange(info, fileIndex, start, end)
      const waiting = a.waiters.wait(pieces, (i) => a.store.available(i), WEB_LIMITS.streamWaitMs)
      a.deadline = [...pieces, ...readAheadPieces(info, fileIndex, end, WEB_LIMITS.streamReadAheadBytes).filter((i) => i > last), ...a.waiters.wanted()]
      this.#pushDeadline(a)
      return waiting
    })
  }

  /** Hand the engine the most urgent pieces of the deadline still missing (it keeps a few at a time). */
  #pushDeadline(a: Active): void {
    if (a.deadline.length === 0 || !a.engine) return
    a.deadline = a.deadline.filter((i) => !a.store.available(i))
    a.engine.setDeadlines(a.deadline)
  }

  views(): TorrentView[] {
    return [...this.#active.values()].map((a) => this.#views(a))
  }

  /** Tasks under way (hashing, copying, checking, saving); `tasks.cancel(id)` cancels one. */
  taskViews(): TaskView[] {
    return this.tasks.views()
  }

  #views(a: Active): TorrentView {
    {
      const inner = a.store.inner
      const verified = a.store.source && a.store.info ? a.store.info.pieceCount : inner ? [...inner.bitfield()].reduce((n, b) => n + countBits(b), 0) : a.storedPieces
      const needsFiles = a.record.seededFromDrop && !a.store.source && a.info !== null && verified < a.info.pieceCount
      return {
        infoHashHex: a.record.infoHashHex,
        name: a.info?.name ?? a.record.name,
        state: a.record.state,
        length: a.info?.length ?? null,
        pieceCount: a.info?.pieceCount ?? null,
        verifiedPieces: verified,
        fetchedThisSession: a.fetched,
        downloaded: a.engine?.transferred().downloaded ?? 0,
        uploaded: a.engine?.transferred().uploaded ?? 0,
        peers: a.engine?.peerCount ?? 0,
        done: a.engine?.isDone() ?? false,
        trackers: a.trackers,
        error: a.error,
        shareLink: this.shareLinkOf(a.record.infoHashHex),
        storedPieces: a.store.info ? a.store.storedCount() : verified,
        fromFile: a.store.source !== null,
        needsFiles,
        notice: a.notice ?? (needsFiles ? 'Part of this torrent was not copied into the browser before the page was closed: pick its files again to share all of it.' : null),
        sessionOnly: a.sessionOnly,
        files: a.info ? a.info.files.flatMap((f, index) => (f.padding ? [] : [{ index, path: f.path, length: f.length }])) : null,
      }
    }
  }

  async destroy(): Promise<void> {
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

  /** Open a torrent: its store, engine and tracker client. With `source`, shared from the user's files while OPFS fills. */
  async #start(record: LibraryRecord, files?: Blob): Promise<void> {
    const hex = record.infoHashHex
    const persistence = this.library.bitfieldPersistence(hex)
    const store = new TorrentStore(async (info) => OpfsPieceStore.open(layoutOf(info), { persistence }))
    const a: Active = { record, store, persistence, engine: null, tracker: null, info: null, fetched: 0, storedPieces: 0, error: null, notice: null, sessionOnly: false, trackers: [], waiters: new PieceWaiters(), deadline: [] }
    this.#active.set(hex, a)
    const meta = record.source.kind === 'torrent' ? await parseTorrent(record.source.bytes) : null
    a.info = meta
    if (record.state === 'paused') {
      // Listed with its progress, but nothing is opened: no files locked, no peers, no trackers.
      a.storedPieces = [...((await persistence.load()) ?? [])].reduce((n, b) => n + countBits(b), 0)
      this.onChange?.()
      return
    }
    let source: TorrentInfo | Uint8Array
    let trackers: string[]
    if (meta) {
      if (files) store.withSource(meta, files) // OPFS opens in the copy task, after the link is out
      else await store.openFor(meta)
      source = meta
      trackers = [...meta.announce.flat(), ...this.config.trackers]
    } else {
      source = fromHex(hex)
      trackers = record.source.kind === 'magnet' ? parseMagnet(record.source.uri).trackers : this.config.trackers
    }
    const engine = await Torrent.open(source, { store, hasher: webCryptoHasher, clock: systemClock }, {
      peerId: this.peerId,
      parseInfo: async (bytes, infoHash) => {
        const info = await parseInfo(bytes, infoHash)
        await store.openFor(info) // quota check + files, before the engine asks what is verified
        a.info = info
        return info
      },
    })
    a.engine = engine
    if (engine.isDone() && a.record.state !== 'seeding') {
      a.record = { ...a.record, state: 'seeding' }
      await this.library.update(hex, { state: 'seeding' })
    }
    engine.on((e) => void this.#onEvent(a, e))
    const tracker = new TrackerClient({
      infoHash: toBinaryString(fromHex(hex)),
      peerId: toBinaryString(this.peerId),
      announce: trackers,
      signaling: this.peers,
      pool: this.sockets,
      stats: () => ({ ...engine.transferred(), left: a.info ? leftOf(a) : null }),
    })
    tracker.onStatus = (s) => {
      a.trackers = s
      this.onChange?.()
    }
    a.tracker = tracker
    tracker.start()
    if (files) this.#copy(a, files)
    this.onChange?.()
  }

  async #onEvent(a: Active, e: Parameters<Parameters<Torrent['on']>[0]>[0]): Promise<void> {
    const hex = a.record.infoHashHex
    if (e.type === 'verified') {
      a.fetched++
      a.waiters.arrived(e.index)
      this.#pushDeadline(a)
    }
    if (e.type === 'metadata' && a.engine?.meta) {
      // Keep the metadata: after a reload the torrent resumes without asking peers for it again.
      const bytes = encodeTorrent({ infoBytes: a.engine.meta.infoBytes, announce: a.tracker ? a.tracker.urls.map((u) => [u]) : [] })
      a.record = { ...a.record, source: { kind: 'torrent', bytes }, name: a.info?.name ?? a.record.name }
      await this.library.put(a.record)
    }
    if (e.type === 'done') {
      a.tracker?.complete()
      a.record = { ...a.record, state: 'seeding' }
      await this.library.update(hex, { state: 'seeding' })
    }
    if (e.type === 'error') a.error = e.message
    this.onChange?.()
  }

  #fail(hex: string, e: unknown): void {
    const a = this.#active.get(hex)
    if (a) a.error = e instanceof Error ? e.message : String(e)
    this.onChange?.()
  }

  async #stop(hex: string): Promise<void> {
    const a = this.#active.get(hex)
    if (!a) return
    this.#active.delete(hex)
    this.tasks.cancelFor(hex) // a copy stops; what it copied stays
    a.waiters.clear()
    a.tracker?.stop()
    a.engine?.destroy()
    this.peers.closeTorrent(toBinaryString(fromHex(hex)))
    await a.store.close()
    // The engine counts this session; the library keeps the torrent's lifetime totals.
    const t = a.record.totals
    const moved = a.engine?.transferred()
    if (moved) await this.library.update(hex, { totals: { ...t, uploaded: t.uploaded + moved.uploaded, downloaded: t.downloaded + moved.downloaded } })
  }
}

function leftOf(a: Active): number {
  const inner = a.store.inner
  if (!a.info || !inner) return a.info?.length ?? 0
  let have = 0
  for (let i = 0; i < inner.pieceCount; i++) if (inner.has(i)) have += inner.pieceSize(i)
  return a.info.length - have
}

// The engine verifies v2 pieces by SHA-256 against the piece layers a .torrent carries; it cannot
// fetch missing layers from peers yet (BEP 52 hash requests), and seeding checks the user's files by
// SHA-1. So a v2-only torrent is refused unless its .torrent has every layer, and never seeded from files.
function refuseV2Only<T extends TorrentInfo>(meta: T, seeding = false): T {
  if (meta.metaVersion !== 2) return meta
  const layers = (meta as { pieceLayers?: ReadonlyMap<string, Uint8Array> }).pieceLayers
  const complete = meta.files.every((f) => f.piecesRoot === undefined || f.length <= meta.pieceLength || layers?.has(toHex(f.piecesRoot)) === true)
  if (seeding || !complete) throw new MetainfoError(`this is a v2-only torrent (BEP 52)${seeding ? '' : ' without all its piece layers'}: this app cannot ${seeding ? 'seed' : 'download'} it yet`)
  return meta
}
