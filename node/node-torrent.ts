import { mkdir, rename, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { bytesEqual, toBinaryString, toHex } from '../shared/bytes.ts'
import { Torrent, type PieceStore, type TorrentStats, type Transport } from '../shared/engine/index.ts'
import { encodeTorrent, MetainfoError, needsPieceLayer, parseInfo, pieceLayersDict, type Metainfo, type TorrentInfo } from '../shared/metainfo/index.ts'
import { swarmIdOf, type MagnetLink } from '../shared/magnet/index.ts'
import { TrackerClient, type TrackerStatus } from '../webrtc/tracker-client.ts'
import { Dialer } from './dialer.ts'
import { FilePieceStore, type FileStoreOptions, type StoreMode } from './file-store.ts'
import { NODE_LIMITS } from './limits.ts'
import type { NodePeerHost } from './node-peer-host.ts'
import { STATE_DIR } from './resume-file.ts'
import type { StoreFault } from './store-fault.ts'
import type { TcpTransport } from './tcp-transport.ts'
import { ClassicTrackers } from './trackers/classic-trackers.ts'

// One torrent of the Node peer: the engine (shared/engine's Torrent, the same as in the tab) with its
// Node adapters: the file store, TCP peers (dialled from what HTTP/UDP trackers say, or accepted by the
// process's listener) and WebRTC peers (through WebSocket trackers), all in one swarm. A disk fault
// stops this torrent, with its message, and nothing else.

export type TorrentSource = { kind: 'torrent'; metainfo: Metainfo; bytes: Uint8Array } | { kind: 'magnet'; magnet: MagnetLink }

export interface AddOptions {
  source: TorrentSource
  /** The folder the torrent's file or folder is in (or goes into). */
  dir: string
  mode: StoreMode
  /** Trackers besides the torrent's own (each its own BEP 12 tier). */
  trackers?: readonly string[]
  /** The data was hashed a moment ago (a torrent just made from it): skip the check. */
  knownGood?: boolean
  /** Where the resume file goes (default DIR/.swarmdrop/<hash>.resume); null: none. */
  resumeFile?: string | null
  fileWatchIntervalMs?: number
}

export type TorrentState = 'checking' | 'fetching metadata' | 'downloading' | 'seeding' | 'stopped' | 'failed'

export type NodeTorrentEvent =
  | { type: 'checking'; checked: number; total: number }
  | { type: 'metadata' }
  | { type: 'verified'; index: number }
  | { type: 'done' }
  | { type: 'error'; message: string }
  /** A disk fault stopped the torrent. */
  | { type: 'failed'; message: string }
  | { type: 'trackers' }

export type PeerKind = 'tcp' | 'webrtc'

/** A magnet's store before its metadata: the engine takes a PieceStore up front, the files come later. */
class PendingStore implements PieceStore {
  inner: FilePieceStore | null = null
  read(index: number, begin: number, length: number): Promise<Uint8Array> {
    return this.inner ? this.inner.read(index, begin, length) : Promise.reject(new RangeError('no data yet'))
  }
  write(index: number, data: Uint8Array): Promise<void> {
    return this.inner ? this.inner.write(index, data) : Promise.reject(new RangeError('no data yet'))
  }
  async verified(): Promise<Iterable<number>> {
    return this.inner ? this.inner.verified() : []
  }
}

export class NodeTorrent {
  readonly infoHash: Uint8Array
  readonly infoHashHex: string
  name: string
  info: TorrentInfo | null = null
  state: TorrentState = 'checking'
  error: string | null = null
  engine: Torrent | null = null
  store: FilePieceStore | null = null
  readonly dialer: Dialer
  #o: AddOptions
  #host: NodePeerHost
  #listeners = new Set<(e: NodeTorrentEvent) => void>()
  #classic: ClassicTrackers | null = null
  #ws: TrackerClient | null = null
  #announce: string[][]
  #stopping: Promise<void> | null = null

  constructor(host: NodePeerHost, o: AddOptions) {
    this.#host = host
    this.#o = o
    const src = o.source
    if (src.kind === 'torrent') {
      this.info = src.metainfo
      this.infoHash = src.metainfo.infoHash
      this.name = src.metainfo.name
    } else {
      // The swarm id: the v1 info hash, or a v2-only magnet's SHA-256 truncated (BEP 52).
      this.infoHash = swarmIdOf(src.magnet)
      this.name = src.magnet.name ?? toHex(this.infoHash)
    }
    this.infoHashHex = toHex(this.infoHash)
    const own = src.kind === 'torrent' ? src.metainfo.announce : src.magnet.trackers.map((u) => [u])
    this.#announce = [...own, ...(o.trackers ?? []).map((u) => [u])]
    this.dialer = new Dialer({
      limiter: host.limiter,
      attach: (t) => this.attachTcp(t, true),
      peerCount: () => this.engine?.peerCount ?? 0,
      isSelf: (a) => host.isSelf(a),
    })
  }

  on(listener: (e: NodeTorrentEvent) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /** Every tracker URL of the torrent, by tier (its own, then the extra ones). */
  get announceList(): readonly (readonly string[])[] {
    return this.#announce
  }

  /** Checks the data, opens the engine, starts announcing. */
  async start(): Promise<void> {
    const o = this.#o
    const host = this.#host
    const ports = { hasher: host.hasher, clock: host.clock }
    const options = { peerId: host.peerId, client: host.clientName }
    if (this.info) {
      // A v2-only seed is checked by merkle roots alone (BEP 52): without a file's piece layer none of
      // its pieces can pass, and a read-only seed fetches nothing, so say why now.
      if (o.mode === 'seed' && this.info.metaVersion === 2 && o.source.kind === 'torrent') {
        const { pieceLayers } = o.source.metainfo
        const missing = this.info.files.find((f) => needsPieceLayer(f, this.info!.pieceLength) && !pieceLayers.has(toHex(f.piecesRoot!)))
        if (missing) throw new MetainfoError(`${this.info.name}: this v2 torrent has no piece layer for ${missing.path.join('/')}, so its data cannot be checked for seeding (BEP 52 \`piece layers\`)`)
      }
      // The Metainfo, not only its info dict: a v2 torrent's data check needs its piece layers.
      this.store = await this.#openStore(o.source.kind === 'torrent' ? o.source.metainfo : this.info, o.mode)
      this.engine = await Torrent.open(this.info, { store: this.store, ...ports }, options)
      // A seed with part of its data serves that part: its store is read-only, so fetching the rest
      // would only fail each write. Nothing wanted: the engine requests nothing and counts as done.
      if (o.mode === 'seed' && !this.engine.isDone()) this.engine.setFilePriorities(this.info.files.map(() => 0))
    } else {
      this.state = 'fetching metadata'
      const pending = new PendingStore()
      const infoHashV2 = o.source.kind === 'magnet' ? o.source.magnet.infoHashV2 : undefined
      this.engine = await Torrent.open(this.infoHash, { store: pending, ...ports }, {
        ...options,
        // BEP 52: a v2 magnet's piece layers come from v2 peers; a hybrid's peers may upgrade.
        ...(infoHashV2 ? { infoHashV2 } : {}),
        parseInfo: async (bytes, infoHash) => {
          const info = await parseInfo(bytes, infoHash)
          this.info = info
          this.name = info.name
          this.state = 'checking'
          pending.inner = this.store = await this.#openStore(info, 'download')
          void this.#saveMetadata(info)
          return info
        },
      })
    }
    if (this.#stopping) {
      // Stopped while checking: #stop ran before there was an engine to close.
      this.engine.destroy()
      await this.store?.close()
      return
    }
    this.#updateState()
    this.engine.on((e) => {
      if (e.type === 'metadata') this.#updateState()
      // BEP 52: a v2 torrent's piece layers, fetched from peers, go into the kept .torrent, so a restart
      // can check the data on disk against them.
      if (e.type === 'pieceLayers' && this.info) void this.#saveMetadata(this.info)
      if (e.type === 'peer' && e.event === 'closed') {
        this.dialer.fill()
        if (this.engine?.peerCount === 0 && !this.engine.isDone()) this.#ws?.wantPeers()
      }
      if (e.type === 'peer' && e.event === 'ready') this.#ws?.peerConnected()
      if (e.type === 'done') {
        this.#updateState()
        this.#classic?.complete()
        this.#ws?.complete()
      }
      // After a store fault, the engine's "piece N: <the fault>" errors only repeat it.
      if (e.type === 'error' && this.state !== 'failed') this.#emit({ type: 'error', message: e.message })
      if (e.type === 'metadata' || e.type === 'verified' || e.type === 'done') this.#emit(e)
    })
    this.#startTrackers()
  }

  /**
   * A connected transport for this torrent (TCP from the listener or the dialer, or WebRTC).
   * `initiator`: whether we dialled; the dialled side of a hybrid answers in the id the dialler chose.
   * `lane`: a further WebRTC connection to a swarmdrop peer (webrtc/peer-pool.ts).
   */
  attach(transport: Transport, kind: PeerKind, address?: string, initiator?: boolean, lane = false): void {
    if (!this.engine || this.#stopping) return transport.close('torrent not running')
    this.engine.addPeer(transport, { kind, ...(address !== undefined ? { address } : {}), ...(initiator !== undefined ? { initiator } : {}), lane })
  }

  attachTcp(transport: TcpTransport, initiator: boolean): void {
    this.attach(transport, 'tcp', transport.ip, initiator)
  }

  /** Whether a peer's handshake naming `swarmId` is for this torrent: its info hash, or a hybrid's other id. */
  answersTo(swarmId: Uint8Array): boolean {
    const ids = this.engine?.swarmIds()
    return ids !== undefined && [ids.primary, ids.v1, ids.v2].some((id) => id !== null && bytesEqual(id, swarmId))
  }

  stats(): TorrentStats | null {
    return this.engine ? this.engine.stats() : null
  }

  /** Handshaken peers by how they are connected. */
  peersByKind(stats: TorrentStats | null = this.stats()): Record<PeerKind, number> {
    const n = { tcp: 0, webrtc: 0 }
    for (const p of stats?.peers ?? []) if (p.kind === 'tcp' || p.kind === 'webrtc') n[p.kind]++
    return n
  }

  trackers(): TrackerStatus[] {
    return [...(this.#classic?.status() ?? []), ...(this.#ws?.status() ?? [])]
  }

  /** `stopped` to every tracker (bounded wait), then close peers and files. */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop()
    return this.#stopping
  }

  async #stop(): Promise<void> {
    this.dialer.stop()
    this.#ws?.stop()
    await this.#classic?.stop()
    this.engine?.destroy()
    this.#host.pool?.closeTorrent(toBinaryString(this.infoHash))
    await this.store?.close()
    if (this.state !== 'failed') this.state = 'stopped'
  }

  #emit(e: NodeTorrentEvent): void {
    for (const l of this.#listeners) l(e)
  }

  #updateState(): void {
    if (this.state === 'failed' || this.state === 'stopped') return
    if (!this.info) this.state = 'fetching metadata'
    else this.state = this.engine?.isDone() ? 'seeding' : 'downloading'
  }

  async #openStore(info: FileStoreOptions['info'], mode: StoreMode): Promise<FilePieceStore> {
    const o = this.#o
    return FilePieceStore.open({
      dir: o.dir,
      info,
      mode,
      hasher: this.#host.hasher,
      ...(o.resumeFile !== undefined ? { resumeFile: o.resumeFile } : {}),
      ...(o.knownGood ? { knownGood: 'all' as const } : {}),
      ...(o.fileWatchIntervalMs !== undefined ? { watchIntervalMs: o.fileWatchIntervalMs } : {}),
      onCheckProgress: (checked, total) => this.#emit({ type: 'checking', checked, total }),
      onFault: (fault) => this.#fault(fault),
    })
  }

  #fault(fault: StoreFault): void {
    if (this.state === 'failed') return
    this.state = 'failed'
    this.error = fault.message
    this.#emit({ type: 'failed', message: fault.message })
    void this.stop()
  }

  /**
   * A magnet's info dict (and a v2 torrent's piece layers once known), kept beside the resume file: a
   * restarted download needs no peer to resume.
   */
  async #saveMetadata(info: TorrentInfo): Promise<void> {
    const path = join(this.#o.dir, STATE_DIR, `${info.infoHashHex}.torrent`)
    try {
      await mkdir(dirname(path), { recursive: true })
      const layers = this.engine?.pieceLayers() ?? null
      await writeFile(`${path}.tmp`, encodeTorrent({ infoBytes: info.infoBytes, announce: this.#announce, ...(layers ? { pieceLayers: pieceLayersDict(layers) } : {}) }))
      await rename(`${path}.tmp`, path)
    } catch {
      // Only a convenience: without it a restart fetches the metadata again.
    }
  }

  #startTrackers(): void {
    const host = this.#host
    const left = (): number | null => (this.store ? this.store.bytesLeft() : null)
    const totals = (): { uploaded: number; downloaded: number } => this.engine?.transferred() ?? { uploaded: 0, downloaded: 0 }
    this.#classic = new ClassicTrackers({
      announce: this.#announce,
      udp: host.udp,
      // BEP 3 wants a number for `left`; before a magnet's metadata, 16 KiB says "still downloading"
      // as libtorrent does.
      stats: () => ({ infoHash: this.infoHash, peerId: host.peerId, port: host.port, ...totals(), left: left() ?? 16384, numwant: NODE_LIMITS.numwant, key: host.announceKey }),
      onPeers: (peers) => this.dialer.add(peers),
      onStatus: () => this.#emit({ type: 'trackers' }),
    })
    this.#classic.start()
    if (host.pool && host.sockets) {
      const ws = new TrackerClient({
        infoHash: toBinaryString(this.infoHash),
        peerId: toBinaryString(host.peerId),
        announce: this.#announce,
        signaling: host.pool,
        pool: host.sockets,
        stats: () => ({ ...totals(), left: left() }),
      })
      if (ws.urls.length > 0) {
        ws.onStatus = () => this.#emit({ type: 'trackers' })
        this.#ws = ws
        ws.start()
      }
    }
  }
}

