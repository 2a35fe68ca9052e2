import { stat } from 'node:fs/promises'
import type { Hasher, PieceStore } from '../shared/engine/index.ts'
import { fileStarts, spansOf, type TorrentInfo } from '../shared/metainfo/index.ts'
import { checkPieces } from './data-check.ts'
import { diskLayout, type DiskLayout } from './disk-layout.ts'
import { FileHandles } from './file-handles.ts'
import { NODE_LIMITS } from './limits.ts'
import { ReadWindows } from './read-windows.ts'
import { readResume, resumePath, writeResume, type FileStamp } from './resume-file.ts'
import { faultOf, StoreFault } from './store-fault.ts'

// The engine's PieceStore on the local disk: verified pieces are written straight into the torrent's
// own files at their position (no temporary piece files, no whole-file buffering: memory is the
// engine's pieces in flight), reads serve uploads (a window at a time: read-windows.ts), and which
// pieces are verified is kept in a resume file beside the data (resume-file.ts). Opening checks what is
// already on disk.
//
// A disk problem (full disk, a data file deleted or truncated under us) is a StoreFault: it is given
// to `onFault` once, so the owner stops this torrent with that message, and every later call fails
// with it. Files are re-checked for having vanished every `watchIntervalMs`: an open descriptor keeps
// reading a deleted file's old inode, which would hide the deletion until the next restart.

export type StoreMode =
  /** Read-only: data the user already has (never modified). */
  | 'seed'
  /** Read-write: files are created (sparse) at their full size and filled in as pieces arrive. */
  | 'download'

export interface FileStoreOptions {
  dir: string
  /** With a v2 torrent's piece layers (a Metainfo has them), so that its data check can pass (BEP 52). */
  info: TorrentInfo & { pieceLayers?: ReadonlyMap<string, Uint8Array> }
  mode: StoreMode
  hasher: Hasher
  /** The resume file; default DIR/.swarmdrop/<info hash>.resume; null: none. */
  resumeFile?: string | null
  /** Trust these pieces without reading them (the data was hashed a moment ago: a torrent just made). */
  knownGood?: 'all'
  onFault?: (fault: StoreFault) => void
  onCheckProgress?: (checked: number, total: number) => void
  watchIntervalMs?: number
}

export class FilePieceStore implements PieceStore {
  readonly layout: DiskLayout
  readonly pieceCount: number
  readonly pieceLength: number
  readonly totalLength: number
  fault: StoreFault | null = null
  #o: FileStoreOptions
  #starts: number[]
  #handles: FileHandles
  #bits: Uint8Array
  #count = 0
  #stamps: (FileStamp | null)[]
  #dirty = new Set<number>()
  #resumeFile: string | null
  #saveTimer: ReturnType<typeof setTimeout> | null = null
  #saving: Promise<void> = Promise.resolve()
  #watch: ReturnType<typeof setInterval> | null = null
  #closed = false
  #windows: ReadWindows

  private constructor(o: FileStoreOptions) {
    this.#o = o
    this.layout = diskLayout(o.dir, o.info)
    this.pieceCount = o.info.pieceCount
    this.pieceLength = o.info.pieceLength
    this.totalLength = o.info.length
    this.#starts = fileStarts(o.info.files.map((f) => f.length))
    this.#handles = new FileHandles(this.layout.files.map((f) => f.path), o.mode === 'download', NODE_LIMITS.maxOpenFiles)
    this.#bits = new Uint8Array(Math.ceil(this.pieceCount / 8))
    this.#stamps = this.layout.files.map(() => null)
    this.#resumeFile = o.resumeFile === undefined ? resumePath(o.dir, o.info.infoHashHex) : o.resumeFile
    this.#windows = new ReadWindows({
      pieceLength: this.pieceLength,
      pieceSize: (i) => this.pieceSize(i),
      windowBytes: NODE_LIMITS.readWindowBytes,
      cacheBytes: NODE_LIMITS.readCacheBytes,
      readAt: async (offset, out) => void (await this.#readRange(offset, out, true)),
    })
  }

  /** Opens the store and checks the data on disk (trusting the resume file where the files did not change). */
  static async open(o: FileStoreOptions): Promise<FilePieceStore> {
    const s = new FilePieceStore(o)
    await s.#check()
    if (o.mode === 'download') await s.#allocate()
    await s.#saveNow().catch(() => {}) // a read-only folder: no resume file, the next start checks again
    s.#watch = setInterval(() => void s.#watchFiles(), o.watchIntervalMs ?? NODE_LIMITS.fileWatchIntervalMs)
    s.#watch.unref()
    return s
  }

  has(index: number): boolean {
    return ((this.#bits[index >> 3] ?? 0) & (0x80 >> (index & 7))) !== 0
  }

  get verifiedCount(): number {
    return this.#count
  }

  pieceSize(index: number): number {
    return index === this.pieceCount - 1 ? this.totalLength - index * this.pieceLength : this.pieceLength
  }

  /** Bytes of the torrent not verified on disk yet (the tracker's `left`). */
  bytesLeft(): number {
    let have = 0
    for (let i = 0; i < this.pieceCount; i++) if (this.has(i)) have += this.pieceSize(i)
    return this.totalLength - have
  }

  async verified(): Promise<Iterable<number>> {
    const out: number[] = []
    for (let i = 0; i < this.pieceCount; i++) if (this.has(i)) out.push(i)
    return out
  }

  async read(index: number, begin: number, length: number): Promise<Uint8Array> {
    if (this.fault) throw this.fault
    try {
      const block = await this.#windows.read(index, begin, length)
      if (block) return block
      const out = Buffer.allocUnsafe(length)
      await this.#readRange(index * this.pieceLength + begin, out, true)
      return new Uint8Array(out.buffer, out.byteOffset, out.byteLength)
    } catch (e) {
      throw this.#fail(e, 'reading')
    }
  }

  async write(index: number, data: Uint8Array): Promise<void> {
    if (this.fault) throw this.fault
    if (this.#o.mode !== 'download') throw new Error('a seeding store is read-only')
    for (const span of spansOf(this.#starts, index * this.pieceLength, data.length)) {
      const f = this.layout.files[span.fileIndex]!
      if (f.padding) continue // BEP 47: never stored
      try {
        await this.#handles.use(span.fileIndex, async (fh) => {
          let done = 0
          while (done < span.length) {
            const { bytesWritten } = await fh.write(data, span.rangeOffset + done, span.length - done, span.fileOffset + done)
            done += bytesWritten
          }
        })
      } catch (e) {
        throw this.#fail(e, 'writing', f.path)
      }
      this.#dirty.add(span.fileIndex)
    }
    this.#mark(index)
    this.#scheduleSave()
  }

  /** Flush the resume file and close every file. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    if (this.#watch) clearInterval(this.#watch)
    if (this.#saveTimer) clearTimeout(this.#saveTimer)
    this.#windows.clear()
    if (!this.fault) await this.#saveNow().catch(() => {})
    await this.#saving.catch(() => {})
    await this.#handles.closeAll()
  }

  // ---- internals ---------------------------------------------------------------------------

  #mark(index: number): void {
    if (this.has(index)) return
    this.#bits[index >> 3]! |= 0x80 >> (index & 7)
    this.#count++
  }

  /** Fill `out` from the torrent's byte range at `offset`; padding reads as zeros. */
  async #readRange(offset: number, out: Uint8Array, strict: boolean): Promise<boolean> {
    for (const span of spansOf(this.#starts, offset, out.length)) {
      const f = this.layout.files[span.fileIndex]!
      const dest = out.subarray(span.rangeOffset, span.rangeOffset + span.length)
      if (f.padding) {
        dest.fill(0)
        continue
      }
      const complete = await this.#handles.use(span.fileIndex, async (fh) => {
        let done = 0
        while (done < span.length) {
          const { bytesRead } = await fh.read(dest, done, span.length - done, span.fileOffset + done)
          if (bytesRead === 0) return false
          done += bytesRead
        }
        return true
      })
      if (!complete) {
        if (strict) throw new StoreFault('changed', f.path, `${f.path} is shorter than the torrent says: it changed on disk`)
        return false
      }
    }
    return true
  }

  async #check(): Promise<void> {
    const o = this.#o
    const files = this.layout.files
    const sizes = await Promise.all(files.map(async (f) => (f.padding ? null : await stat(f.path).then((s) => ({ length: s.size, mtimeMs: s.mtimeMs }), () => null))))
    const resume = this.#resumeFile ? await readResume(this.#resumeFile, o.info.infoHashHex, this.pieceCount, files.length) : null
    const unchanged = files.map((f, i) => {
      const now = sizes[i]
      const then = resume?.files[i]
      return f.padding || (now !== null && now !== undefined && then !== null && then !== undefined && now.length === f.length && then.length === now.length && then.mtimeMs === now.mtimeMs)
    })
    const onDisk = files.map((f, i) => f.padding || (sizes[i] !== null && sizes[i]!.length >= f.length))
    const candidates: number[] = []
    for (let i = 0; i < this.pieceCount; i++) {
      const spans = spansOf(this.#starts, i * this.pieceLength, this.pieceSize(i))
      if (!spans.every((s) => onDisk[s.fileIndex])) continue
      if (o.knownGood === 'all') {
        this.#mark(i)
      } else if (resume !== null && spans.every((s) => unchanged[s.fileIndex])) {
        // Files as the resume file saw them: its word stands, verified or not (no need to hash a hole).
        if (((resume.bitfield[i >> 3] ?? 0) & (0x80 >> (i & 7))) !== 0) this.#mark(i)
      } else {
        candidates.push(i)
      }
    }
    const good = await checkPieces({
      candidates,
      meta: o.info,
      hasher: o.hasher,
      readsAhead: NODE_LIMITS.checkReadsAhead,
      readPiece: async (i) => {
        const buf = new Uint8Array(this.pieceSize(i))
        return (await this.#readRange(i * this.pieceLength, buf, false).catch(() => false)) ? buf : null
      },
      ...(o.onCheckProgress ? { onProgress: o.onCheckProgress } : {}),
    })
    for (const i of good) this.#mark(i)
    files.forEach((f, i) => {
      if (!f.padding && sizes[i]) this.#dirty.add(i) // stamped on the first save
    })
  }

  /** Download: every file at its full size (sparse where new), so reads and writes fall inside it. */
  async #allocate(): Promise<void> {
    for (const f of this.layout.files) {
      if (f.padding) continue
      try {
        await this.#handles.use(f.index, async (fh) => {
          const s = await fh.stat()
          // A device or pipe in the file's place (a test's /dev/full) has no size to set.
          if (s.isFile() && s.size !== f.length) await fh.truncate(f.length)
        })
      } catch (e) {
        throw faultOf(e, f.path, 'opening')
      }
      this.#dirty.add(f.index)
    }
  }

  #fail(err: unknown, doing: 'reading' | 'writing', path?: string): StoreFault {
    const fault = err instanceof StoreFault ? err : faultOf(err, path ?? this.layout.root, doing)
    if (!this.fault) {
      this.fault = fault
      this.#o.onFault?.(fault)
    }
    return this.fault
  }

  #scheduleSave(): void {
    if (this.#saveTimer || this.#closed || !this.#resumeFile) return
    this.#saveTimer = setTimeout(() => {
      this.#saveTimer = null
      void this.#saveNow().catch(() => {})
    }, NODE_LIMITS.resumeSaveIntervalMs)
  }

  /** Stamp the files written since the last save, then write the resume file (one save at a time). */
  #saveNow(): Promise<void> {
    const path = this.#resumeFile
    if (!path) return Promise.resolve()
    this.#saving = this.#saving.catch(() => {}).then(async () => {
      const bits = this.#bits.slice() // the pieces whose writes have completed, before the stamps
      for (const i of [...this.#dirty]) {
        this.#dirty.delete(i)
        const s = await stat(this.layout.files[i]!.path).catch(() => null)
        this.#stamps[i] = s ? { length: s.size, mtimeMs: s.mtimeMs } : null
      }
      await writeResume(path, { infoHashHex: this.#o.info.infoHashHex, pieceCount: this.pieceCount, bitfield: bits, files: this.#stamps })
    })
    return this.#saving
  }

  async #watchFiles(): Promise<void> {
    if (this.#closed || this.fault) return
    for (const i of this.#handles.openIndices()) {
      const f = this.layout.files[i]!
      try {
        const [onPath, open] = await Promise.all([stat(f.path), this.#handles.use(i, (fh) => fh.stat())])
        if (onPath.ino !== open.ino || onPath.dev !== open.dev) throw new StoreFault('vanished', f.path, `data file vanished: ${f.path} (replaced by another file)`)
        if (onPath.size < f.length) throw new StoreFault('changed', f.path, `${f.path} was truncated: it changed on disk`)
      } catch (e) {
        if (this.#closed) return
        this.#fail(e, 'reading', f.path)
        return
      }
    }
  }
}

