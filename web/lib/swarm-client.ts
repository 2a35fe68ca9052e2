import { fromBinaryString, fromHex, toBinaryString, toHex } from '../../shared/bytes.ts'
import { Torrent } from '../../shared/engine/index.ts'
import { systemClock } from '../../shared/engine/adapters/system-clock.ts'
import { webCryptoHasher } from '../../shared/hash.ts'
import { newPeerId } from '../../shared/peer-id.ts'
import { formatMagnet, parseMagnet, type MagnetLink } from '../../shared/magnet/index.ts'
import { encodeTorrent, parseInfo, parseTorrent, type TorrentInfo } from '../../shared/metainfo/index.ts'
import type { AppConfig } from './app-config.ts'
import { Library, type LibraryRecord } from './library.ts'
import { LazyPieceStore } from './lazy-store.ts'
import { OpfsPieceStore } from './opfs-store.ts'
import { PeerPool } from '../../webrtc/peer-pool.ts'
import { seedExisting, seedFiles, type DroppedFile } from './seed-files.ts'
import { magnetFor, shareLink } from './share-link.ts'
import { TrackerClient, type TrackerStatus } from '../../webrtc/tracker-client.ts'
import { layoutOf } from './torrent-layout.ts'
import { countBits, type TorrentView } from './torrent-view.ts'
import { TrackerSocketPool } from '../../webrtc/tracker-socket.ts'

// The page's BitTorrent client: the engine (shared/engine) with its browser adapters, one per torrent,
// and the library that brings every torrent back after a reload. The UI calls these methods and renders
// `views()` on `onChange`; it never talks to peers itself.

export type { TorrentView } from './torrent-view.ts'

interface Active {
  record: LibraryRecord
  store: LazyPieceStore
  persistence: ReturnType<Library['bitfieldPersistence']>
  engine: Torrent | null
  tracker: TrackerClient | null
  info: TorrentInfo | null
  fetched: number
  /** Pieces verified per the library's bitfield while the store is not open (paused). */
  storedPieces: number
  error: string | null
  trackers: TrackerStatus[]
}

export class SwarmClient {
  onChange: (() => void) | null = null
  readonly peerId = newPeerId()
  readonly peers: PeerPool
  readonly sockets = new TrackerSocketPool()
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
    const meta = await parseTorrent(bytes)
    if (this.#active.has(meta.infoHashHex)) return meta.infoHashHex
    const record = this.#newRecord(meta.infoHashHex, meta.name, { kind: 'torrent', bytes }, false)
    await this.#add(record)
    return meta.infoHashHex
  }

  /** Hash dropped files into a torrent on this page's trackers, copy them to OPFS, seed, share. */
  async seed(files: DroppedFile[], name?: string): Promise<{ infoHashHex: string; link: string }> {
    return this.#seeded(await seedFiles(files, { announce: this.config.trackers, ...(name !== undefined ? { name } : {}) }))
  }

  /** Seed an existing .torrent from the user's copy of its files (each piece checked first). */
  async seedTorrent(torrentBytes: Uint8Array, files: DroppedFile[]): Promise<{ infoHashHex: string; link: string }> {
    return this.#seeded(await seedExisting(torrentBytes, files))
  }

  async #seeded(seeded: Awaited<ReturnType<typeof seedFiles>>): Promise<{ infoHashHex: string; link: string }> {
    const hex = seeded.metainfo.infoHashHex
    await seeded.store.close() // #start reopens it with the library's bitfield persistence
    const record = this.#newRecord(hex, seeded.metainfo.name, { kind: 'torrent', bytes: seeded.torrent }, true)
    record.state = 'seeding'
    record.totals.length = seeded.metainfo.length
    await this.library.put(record)
    // The copy was written before the info hash was known: record its bitfield now.
    const persistence = this.library.bitfieldPersistence(hex)
    persistence.save(seeded.store.bitfield())
    await persistence.flush()
    await this.#start(record)
    return { infoHashHex: hex, link: this.shareLinkOf(hex) }
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
    if (!a?.info || !store) throw new Error('the torrent has no data yet')
    const out: { path: string[]; file: File }[] = []
    for (let i = 0; i < a.info.files.length; i++) if (!a.info.files[i]!.padding) out.push({ path: a.info.files[i]!.path, file: await store.file(i) })
    return out
  }

  views(): TorrentView[] {
    return [...this.#active.values()].map((a) => {
      const inner = a.store.inner
      const verified = inner ? [...inner.bitfield()].reduce((n, b) => n + countBits(b), 0) : a.storedPieces
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
      }
    })
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

  async #start(record: LibraryRecord): Promise<void> {
    const hex = record.infoHashHex
    const persistence = this.library.bitfieldPersistence(hex)
    const store = new LazyPieceStore(async (info) => OpfsPieceStore.open(layoutOf(info), { persistence }))
    const a: Active = { record, store, persistence, engine: null, tracker: null, info: null, fetched: 0, storedPieces: 0, error: null, trackers: [] }
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
      await store.openFor(meta)
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
    this.onChange?.()
  }

  async #onEvent(a: Active, e: Parameters<Parameters<Torrent['on']>[0]>[0]): Promise<void> {
    const hex = a.record.infoHashHex
    if (e.type === 'verified') a.fetched++
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
