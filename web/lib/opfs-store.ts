import type { PieceStore } from '../../shared/engine/ports.ts'
import { createBackend, type BackendKind, type FileBackend, type StoredFileSpec } from './opfs-file-backend.ts'
import { fileHandle, torrentDir } from './opfs-paths.ts'
import { fileStarts, piecesOfFile, spansOf } from '../../shared/metainfo/file-spans.ts'
import { ensureRoomFor } from './storage-quota.ts'

// The engine's PieceStore on OPFS: verified pieces are written at their position in the torrent's own
// files (opfs-paths.ts says why one OPFS file per torrent file), reads serve uploads, and the set of
// verified pieces is a bitfield persisted through `persistence` (the library keeps it in IndexedDB,
// saved debounced). Nothing here holds more than one piece in memory.
//
// A bit is set only after its piece's bytes were written, so a persisted bitfield may lag the data
// (a piece fetched twice after a crash) but never lead it (a piece claimed that is not there). The
// worker backend keeps its own bitfield file, marked in order right after each piece's writes, so with
// it nothing verified is lost on a reload; the persistence (the library's IndexedDB copy, debounced)
// then serves listings and the writable backend.

export interface BitfieldPersistence {
  load(): Promise<Uint8Array | null>
  /** Called after every verified write; the implementation debounces. */
  save(bitfield: Uint8Array): void
  /** Write out a pending save now. */
  flush(): Promise<void>
}

export interface TorrentLayout {
  infoHashHex: string
  pieceLength: number
  files: readonly StoredFileSpec[]
}

export interface OpenOptions {
  /** Default: 'worker' (sync access handles; measured faster, see docs/performance.md). */
  backend?: BackendKind
  persistence?: BitfieldPersistence
  /** Skip the quota check (tests of the store itself). */
  skipQuotaCheck?: boolean
}

export class OpfsPieceStore implements PieceStore {
  readonly layout: TorrentLayout
  readonly pieceCount: number
  readonly totalLength: number
  #starts: number[]
  /** For each torrent file, its index among the backend's (stored) files; null for padding. */
  #stored: (number | null)[]
  #backend: FileBackend
  #bits: Uint8Array
  #persistence: BitfieldPersistence | null
  #closed = false

  private constructor(layout: TorrentLayout, backend: FileBackend, bits: Uint8Array, persistence: BitfieldPersistence | null) {
    this.layout = layout
    this.#starts = fileStarts(layout.files.map((f) => f.length))
    let n = 0
    this.#stored = layout.files.map((f) => (f.padding ? null : n++))
    this.totalLength = this.#starts[this.#starts.length - 1]!
    this.pieceCount = Math.ceil(this.totalLength / layout.pieceLength)
    this.#backend = backend
    this.#bits = bits
    this.#persistence = persistence
  }

  /**
   * Open (creating files as needed) a torrent's storage. Checks the quota first for whatever is not
   * yet on disk and throws QuotaError (storage-quota.ts) before creating anything when it will not fit.
   */
  static async open(layout: TorrentLayout, options: OpenOptions = {}): Promise<OpfsPieceStore> {
    if (!Number.isSafeInteger(layout.pieceLength) || layout.pieceLength <= 0) throw new RangeError('bad piece length')
    const total = layout.files.reduce((n, f) => n + f.length, 0)
    const toStore = layout.files.reduce((n, f) => n + (f.padding ? 0 : f.length), 0)
    if (!options.skipQuotaCheck) await ensureRoomFor(Math.max(0, toStore - (await bytesOnDisk(layout))))
    const backend = createBackend(options.backend ?? 'worker')
    const pieceCount = Math.ceil(total / layout.pieceLength)
    const bits = new Uint8Array(Math.ceil(pieceCount / 8))
    const opened = await backend.open(layout.infoHashHex, layout.files.filter((f) => !f.padding), bits.length)
    const storedSizes = opened.sizes
    // The backend's own bitfield (worker: written right after each piece's data) is exact; the
    // persistence's (IndexedDB, debounced) may lag behind it. Either only ever under-claims.
    const saved = opened.bits ?? (await options.persistence?.load())
    if (saved && saved.length === bits.length) bits.set(saved)
    const store = new OpfsPieceStore(layout, backend, bits, options.persistence ?? null)
    // A file that was missing or short lost its pieces (cleared site data, a failed write): forget them.
    layout.files.forEach((f, i) => {
      const at = store.#stored[i]
      if (at === null || at === undefined || storedSizes[at]! >= f.length) return
      const range = piecesOfFile(store.#starts, i, layout.pieceLength)
      if (range) for (let p = range[0]; p <= range[1]; p++) store.#clear(p)
    })
    return store
  }

  pieceSize(index: number): number {
    if (!Number.isInteger(index) || index < 0 || index >= this.pieceCount) throw new RangeError(`no piece ${index}`)
    return Math.min(this.layout.pieceLength, this.totalLength - index * this.layout.pieceLength)
  }

  has(index: number): boolean {
    return ((this.#bits[index >> 3] ?? 0) & (0x80 >> (index & 7))) !== 0
  }

  /** A copy of the bitfield (BEP 3 order: piece 0 is the high bit of byte 0). */
  bitfield(): Uint8Array {
    return this.#bits.slice()
  }

  async verified(): Promise<Iterable<number>> {
    const out: number[] = []
    for (let i = 0; i < this.pieceCount; i++) if (this.has(i)) out.push(i)
    return out
  }

  async write(index: number, data: Uint8Array): Promise<void> {
    this.#open()
    if (data.byteLength !== this.pieceSize(index)) throw new RangeError(`piece ${index} is ${this.pieceSize(index)} bytes, got ${data.byteLength}`)
    // Padding spans are skipped: zeros by definition, and the piece hash already checked them.
    const spans = spansOf(this.#starts, index * this.layout.pieceLength, data.byteLength).filter((s) => this.#stored[s.fileIndex] != null)
    if (spans.length === 0) await this.#backend.mark(index)
    // One after another, so a failed span stops the rest; the last write also marks the piece verified
    // (one worker message for the common single-file piece).
    for (const [k, s] of spans.entries()) {
      const last = k === spans.length - 1
      await this.#backend.write(this.#stored[s.fileIndex]!, s.fileOffset, data.subarray(s.rangeOffset, s.rangeOffset + s.length), last ? index : undefined)
    }
    this.#bits[index >> 3]! |= 0x80 >> (index & 7)
    this.#persistence?.save(this.bitfield())
  }

  /**
   * Store piece `index` from `source` (the torrent's whole byte range as a Blob: the user's files in
   * torrent order), read in the worker. The caller vouches for the bytes (hashed when the torrent was
   * made, or checked against its hashes); a file that changed since fails to read (NotReadableError).
   */
  async copyFrom(index: number, source: Blob): Promise<void> {
    this.#open()
    const begin = index * this.layout.pieceLength
    const spans = spansOf(this.#starts, begin, this.pieceSize(index)).filter((s) => this.#stored[s.fileIndex] != null)
    if (spans.length === 0) await this.#backend.mark(index)
    for (const [k, s] of spans.entries()) {
      const last = k === spans.length - 1
      const from = begin + s.rangeOffset
      await this.#backend.copy(this.#stored[s.fileIndex]!, s.fileOffset, source.slice(from, from + s.length), last ? index : undefined)
    }
    this.#bits[index >> 3]! |= 0x80 >> (index & 7)
    this.#persistence?.save(this.bitfield())
  }

  /** Pieces not stored, in order. */
  missing(): number[] {
    const out: number[] = []
    for (let i = 0; i < this.pieceCount; i++) if (!this.has(i)) out.push(i)
    return out
  }

  async read(index: number, begin: number, length: number): Promise<Uint8Array> {
    this.#open()
    const size = this.pieceSize(index)
    if (!this.has(index)) throw new RangeError(`piece ${index} is not stored`)
    if (!Number.isInteger(begin) || !Number.isInteger(length) || begin < 0 || length < 0 || begin + length > size) throw new RangeError(`read ${begin}+${length} outside piece ${index}`)
    const spans = spansOf(this.#starts, index * this.layout.pieceLength + begin, length)
    const only = spans.length === 1 ? this.#stored[spans[0]!.fileIndex] : null
    if (only !== null && only !== undefined) return this.#backend.read(only, spans[0]!.fileOffset, length)
    const out = new Uint8Array(length) // padding spans stay zero
    for (const s of spans) {
      const at = this.#stored[s.fileIndex]
      if (at !== null && at !== undefined) out.set(await this.#backend.read(at, s.fileOffset, s.length), s.rangeOffset)
    }
    return out
  }

  /**
   * Bytes [start, start + length) of stored file `fileIndex` in one read (streams: one worker round
   * trip per chunk, not one per piece). The caller checks the pieces under the range are stored.
   */
  async readFile(fileIndex: number, start: number, length: number): Promise<Uint8Array> {
    this.#open()
    const at = this.#stored[fileIndex]
    const spec = this.layout.files[fileIndex]
    if (at === null || at === undefined || !spec || start < 0 || length < 0 || start + length > spec.length) throw new RangeError(`read ${start}+${length} outside file ${fileIndex}`)
    return this.#backend.read(at, start, length)
  }

  /** Flush data, then the bitfield, then release the files (sync handles lock them). */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await this.#backend.flush()
    await this.#persistence?.flush()
    await this.#backend.close()
  }

  /** The OPFS file of `fileIndex`, for save.ts. Close the store first with the worker backend. */
  async file(fileIndex: number): Promise<File> {
    const spec = this.layout.files[fileIndex]
    if (!spec || spec.padding) throw new RangeError(`no stored file ${fileIndex}`)
    return (await fileHandle(await torrentDir(this.layout.infoHashHex, false), spec.path, false)).getFile()
  }

  #clear(index: number): void {
    this.#bits[index >> 3]! &= ~(0x80 >> (index & 7))
  }

  #open(): void {
    if (this.#closed) throw new Error('store is closed')
  }
}

/** Bytes of this torrent already allocated in OPFS (files are created at full length). */
async function bytesOnDisk(layout: TorrentLayout): Promise<number> {
  let dir: FileSystemDirectoryHandle
  try {
    dir = await torrentDir(layout.infoHashHex, false)
  } catch {
    return 0
  }
  let n = 0
  for (const f of layout.files) {
    if (f.padding) continue
    try {
      n += Math.min(f.length, (await (await fileHandle(dir, f.path, false)).getFile()).size)
    } catch {
      /* missing: nothing on disk */
    }
  }
  return n
}
