import { createStore, del, entries, get, set, type UseStore } from 'idb-keyval'
import type { BitfieldPersistence } from './opfs-store.ts'
import { deleteTorrentData } from './opfs-paths.ts'
import type { FilePriority, RateLimits } from './torrent-view.ts'

// The library: every torrent the page knows, kept in IndexedDB with idb-keyval so that after a reload
// or a browser restart each one comes back (resume). Records and bitfields live in two stores: the
// bitfield changes with every verified piece (saved debounced), the record rarely, and the record may
// hold a whole .torrent file that should not be rewritten each time.

export type TorrentState = 'downloading' | 'seeding' | 'paused'

export type TorrentSource =
  /** The bencoded .torrent (or the info dictionary wrapped as one, once a magnet's metadata arrived). */
  | { kind: 'torrent'; bytes: Uint8Array }
  /** A magnet whose metadata has not arrived yet. */
  | { kind: 'magnet'; uri: string }

export interface LibraryRecord {
  infoHashHex: string
  name: string
  source: TorrentSource
  state: TorrentState
  /** Seeded from the user's own files (dropped) rather than downloaded. */
  seededFromDrop: boolean
  totals: { uploaded: number; downloaded: number; length: number | null }
  addedAt: number
  /** The person's choices for this torrent (absent in records from before they existed). */
  filePriorities?: FilePriority[]
  sequential?: boolean
  limits?: RateLimits
}

export const LIBRARY_LIMITS = {
  /** Bitfield saves are debounced: at most one IndexedDB write per torrent per this many ms. */
  bitfieldSaveDelayMs: 1_000,
} as const

export class Library {
  readonly #records: UseStore
  readonly #bitfields: UseStore

  /** `name` separates test libraries; the app uses the default. */
  constructor(name = 'swarmdrop') {
    // idb-keyval's createStore opens one object store per database, hence two databases.
    this.#records = createStore(`${name}-library`, 'torrents')
    this.#bitfields = createStore(`${name}-bitfields`, 'bitfields')
  }

  /** Every torrent, oldest first. */
  async list(): Promise<LibraryRecord[]> {
    const all = await entries<string, LibraryRecord>(this.#records)
    return all.map(([, r]) => r).sort((a, b) => a.addedAt - b.addedAt)
  }

  get(infoHashHex: string): Promise<LibraryRecord | undefined> {
    return get<LibraryRecord>(infoHashHex, this.#records)
  }

  put(record: LibraryRecord): Promise<void> {
    return set(record.infoHashHex, record, this.#records)
  }

  /** Merge `patch` into a record; false when there is no such torrent. */
  async update(infoHashHex: string, patch: Partial<Omit<LibraryRecord, 'infoHashHex'>>): Promise<boolean> {
    const current = await this.get(infoHashHex)
    if (!current) return false
    await this.put({ ...current, ...patch, infoHashHex })
    return true
  }

  /** Forget a torrent: its record, its bitfield and its data in OPFS. Close its store first. */
  async remove(infoHashHex: string): Promise<void> {
    this.#pending.get(infoHashHex)?.cancel()
    await del(infoHashHex, this.#records)
    await del(infoHashHex, this.#bitfields)
    await deleteTorrentData(infoHashHex)
  }

  /** Forget a torrent but keep its data and bitfield: added again, it resumes where it was. */
  async forget(infoHashHex: string): Promise<void> {
    await this.#pending.get(infoHashHex)?.flushNow()
    await del(infoHashHex, this.#records)
  }

  loadBitfield(infoHashHex: string): Promise<Uint8Array | undefined> {
    return get<Uint8Array>(infoHashHex, this.#bitfields)
  }

  #pending = new Map<string, { cancel(): void; flushNow(): Promise<void> }>()

  /** The bitfield persistence for OpfsPieceStore.open: saves at most once per `delayMs`. */
  bitfieldPersistence(infoHashHex: string, delayMs: number = LIBRARY_LIMITS.bitfieldSaveDelayMs): BitfieldPersistence & { saves: number } {
    let latest: Uint8Array | null = null
    let timer: ReturnType<typeof setTimeout> | null = null
    let writing: Promise<void> = Promise.resolve()
    const lib = this
    const persistence = {
      saves: 0,
      load: async () => (await lib.loadBitfield(infoHashHex)) ?? null,
      save(bits: Uint8Array) {
        latest = bits
        timer ??= setTimeout(() => void persistence.flush(), delayMs)
      },
      async flush() {
        if (timer) clearTimeout(timer)
        timer = null
        const bits = latest
        latest = null
        if (bits) {
          persistence.saves++
          writing = writing.then(() => set(infoHashHex, bits, lib.#bitfields))
        }
        await writing
      },
    }
    this.#pending.set(infoHashHex, {
      cancel: () => {
        if (timer) clearTimeout(timer)
        timer = null
        latest = null
      },
      flushNow: () => persistence.flush(),
    })
    return persistence
  }
}
