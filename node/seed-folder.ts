import { mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { formatMagnet } from '../shared/magnet/index.ts'
import { parseTorrent, type Metainfo } from '../shared/metainfo/index.ts'
import type { NodePeer } from './node-peer.ts'
import type { NodeTorrent } from './node-torrent.ts'
import { STATE_DIR } from './resume-file.ts'
import { collectInputs, torrentFromPath } from './torrent-inputs.ts'

// The tracker's `--seed DIR`: every file, folder and .torrent in DIR is seeded by one Node peer, so a
// server keeps a shared file alive with every tab closed. A .torrent seeds its data from DIR; any other
// entry is made into a torrent, cached in DIR/.swarmdrop/ (with the sizes and times it was made from) so a
// restart neither hashes everything again nor changes the info hash. DIR is looked at again every minute:
// new entries start, removed ones stop, and an entry not fully seeded (a disk fault stopped it, its data was
// missing or partial, it could not start) starts again once its files changed (replaced, copied in).
// One entry that cannot be seeded is logged and skipped; the others go on.

const MAX_TORRENT_FILE_BYTES = 64 << 20

export interface SeedFolderOptions {
  dir: string
  peer: NodePeer
  /** Trackers every seed announces to (the server's own, first). */
  trackers: readonly string[]
  log: (level: 'info' | 'warn', msg: string, fields: Record<string, unknown>) => void
  rescanIntervalMs?: number
  /** How often an open data file is checked for being replaced or truncated (tests). */
  fileWatchIntervalMs?: number
}

export interface SeedInfo {
  entry: string
  name: string
  /** null (with `length` and `magnet`) for an entry that could not start: `error` says why. */
  infoHash: string | null
  length: number | null
  state: string
  error: string | null
  /** Connected peers by kind, and bytes served since start. */
  peers: { tcp: number; webrtc: number }
  uploaded: number
  /** A magnet with no tracker: the web app of this server adds its own (its share link is `/#` + this). */
  magnet: string | null
}

interface Seeded {
  entry: string
  torrent: NodeTorrent | null
  error: string | null
  /** The entry's files (and a .torrent's data) as they were when it started: a change retries it. */
  stamp: string
}

export class SeedFolder {
  #o: SeedFolderOptions
  #seeds = new Map<string, Seeded>()
  #timer: ReturnType<typeof setInterval> | null = null
  #scanning: Promise<void> | null = null
  #stopped = false

  private constructor(o: SeedFolderOptions) {
    this.#o = o
  }

  /** Scans DIR and starts every seed (checking data the first time); resolves once all are tried. */
  static async start(o: SeedFolderOptions): Promise<SeedFolder> {
    const s = new SeedFolder(o)
    await mkdir(o.dir, { recursive: true })
    await s.rescan()
    s.#timer = setInterval(() => void s.rescan(), o.rescanIntervalMs ?? 60_000)
    s.#timer.unref()
    return s
  }

  list(): SeedInfo[] {
    const out: SeedInfo[] = []
    for (const s of this.#seeds.values()) {
      const t = s.torrent
      if (!t?.info) {
        // Could not start (logged): listed with its reason, so /stats shows why a file is not served.
        if (s.error !== null) out.push({ entry: s.entry, name: s.entry, infoHash: null, length: null, state: 'failed', error: s.error, peers: { tcp: 0, webrtc: 0 }, uploaded: 0, magnet: null })
        continue
      }
      const stats = t.stats()
      out.push({
        entry: s.entry,
        name: t.name,
        infoHash: t.infoHashHex,
        length: t.info.length,
        state: t.state,
        error: t.error ?? s.error,
        peers: t.peersByKind(stats),
        uploaded: stats?.uploaded ?? 0,
        magnet: formatMagnet({ infoHash: t.infoHash, name: t.name, trackers: [], webSeeds: [], exactSources: [], peers: [] }),
      })
    }
    return out
  }

  async rescan(): Promise<void> {
    this.#scanning ??= this.#rescan().finally(() => (this.#scanning = null))
    return this.#scanning
  }

  async stop(): Promise<void> {
    this.#stopped = true
    if (this.#timer) clearInterval(this.#timer)
    await this.#scanning?.catch(() => {})
    await Promise.all([...this.#seeds.values()].map((s) => (s.torrent ? this.#o.peer.remove(s.torrent.infoHashHex) : undefined)))
  }

  async #rescan(): Promise<void> {
    const dir = this.#o.dir
    const names = (await readdir(dir, { withFileTypes: true })).filter((e) => !e.name.startsWith('.') && (e.isFile() || e.isDirectory()))
    // The data a .torrent names is seeded through that .torrent, not again as a torrent of its own.
    const torrents = new Map<string, Metainfo>()
    for (const e of names.filter((n) => n.isFile() && n.name.endsWith('.torrent'))) {
      const m = await readTorrentFile(join(dir, e.name)).catch((err: unknown) => {
        this.#skip(e.name, err)
        return null
      })
      if (m) torrents.set(e.name, m)
    }
    const dataOfTorrents = new Set([...torrents.values()].map((m) => m.name))
    const wanted = names.map((e) => e.name).filter((n) => (n.endsWith('.torrent') ? torrents.has(n) : !dataOfTorrents.has(n)))
    for (const [entry, s] of this.#seeds) {
      if (wanted.includes(entry) || this.#stopped) continue
      this.#seeds.delete(entry)
      if (s.torrent) await this.#o.peer.remove(s.torrent.infoHashHex)
      this.#o.log('info', 'stopped seeding (gone from the folder)', { entry })
    }
    for (const [entry, s] of this.#seeds) {
      if (this.#stopped || !wanted.includes(entry) || !notFullySeeded(s)) continue
      if ((await this.#stampOf(entry, torrents.get(entry)?.name ?? null)) === s.stamp) continue
      this.#seeds.delete(entry)
      if (s.torrent) await this.#o.peer.remove(s.torrent.infoHashHex)
      this.#o.log('info', 'starting again (its files changed)', { entry, was: s.torrent?.error ?? s.error ?? 'incomplete' })
    }
    for (const entry of wanted) {
      if (this.#seeds.has(entry) || this.#stopped) continue
      const m = torrents.get(entry)
      const seeded: Seeded = { entry, torrent: null, error: null, stamp: await this.#stampOf(entry, m?.name ?? null) }
      this.#seeds.set(entry, seeded)
      try {
        const source = m ? { metainfo: m, bytes: new Uint8Array(await readFile(join(dir, entry))), knownGood: false } : await this.#madeTorrent(entry)
        seeded.torrent = await this.#o.peer.add({
          source: { kind: 'torrent', metainfo: source.metainfo, bytes: source.bytes },
          dir,
          mode: 'seed',
          trackers: this.#o.trackers,
          knownGood: source.knownGood,
          ...(this.#o.fileWatchIntervalMs !== undefined ? { fileWatchIntervalMs: this.#o.fileWatchIntervalMs } : {}),
        })
        const t = seeded.torrent
        t.on((e) => e.type === 'failed' && this.#o.log('warn', 'seed failed', { entry, error: e.message }))
        this.#o.log('info', 'seeding', { entry, name: t.name, infoHash: t.infoHashHex, pieces: `${t.store?.verifiedCount ?? 0}/${source.metainfo.pieceCount}` })
        if ((t.store?.verifiedCount ?? 0) === 0) this.#o.log('warn', 'no data for this torrent in the folder', { entry, expected: join(dir, t.name) })
      } catch (err) {
        seeded.error = err instanceof Error ? err.message : String(err)
        this.#skip(entry, err)
      }
    }
  }

  /** A torrent for a file or folder of DIR, from the cache when the files are as they were. */
  async #madeTorrent(entry: string): Promise<{ metainfo: Metainfo; bytes: Uint8Array; knownGood: boolean }> {
    const dir = this.#o.dir
    const cached = join(dir, STATE_DIR, `${entry}.torrent`)
    const stampsFile = join(dir, STATE_DIR, `${entry}.stamps.json`)
    const { stamps } = await collectInputs([join(dir, entry)])
    const now = JSON.stringify(stamps)
    try {
      if ((await readFile(stampsFile, 'utf8')) === now) {
        const bytes = new Uint8Array(await readFile(cached))
        return { metainfo: await parseTorrent(bytes), bytes, knownGood: false }
      }
    } catch {
      // no cache yet, or unreadable: make it
    }
    const made = await torrentFromPath(join(dir, entry))
    await mkdir(join(dir, STATE_DIR), { recursive: true })
    await writeAtomic(cached, made.torrent)
    await writeAtomic(stampsFile, JSON.stringify(made.stamps))
    return { metainfo: made.metainfo, bytes: made.torrent, knownGood: true }
  }

  /** Sizes and times of an entry's files, and of the data a .torrent entry names ("missing" when absent). */
  async #stampOf(entry: string, dataName: string | null): Promise<string> {
    const paths = [entry, ...(dataName !== null ? [dataName] : [])]
    const stamps = await Promise.all(
      paths.map((p) => collectInputs([join(this.#o.dir, p)]).then((c) => c.stamps, (e: NodeJS.ErrnoException) => e.code ?? 'unreadable')),
    )
    return JSON.stringify(stamps)
  }

  #skip(entry: string, err: unknown): void {
    this.#o.log('warn', 'cannot seed', { entry, error: err instanceof Error ? err.message : String(err) })
  }
}

function notFullySeeded(s: Seeded): boolean {
  const t = s.torrent
  if (!t || t.state === 'failed') return true
  return t.info !== null && (t.store?.verifiedCount ?? 0) < t.info.pieceCount
}

async function readTorrentFile(path: string): Promise<Metainfo> {
  if ((await stat(path)).size > MAX_TORRENT_FILE_BYTES) throw new Error('too large for a .torrent file')
  return parseTorrent(new Uint8Array(await readFile(path)))
}

async function writeAtomic(path: string, data: Uint8Array | string): Promise<void> {
  await writeFile(`${path}.tmp`, data)
  await rename(`${path}.tmp`, path)
}
