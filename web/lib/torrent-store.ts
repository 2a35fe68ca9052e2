import type { PieceStore } from '../../shared/engine/ports.ts'
import type { TorrentInfo } from '../../shared/metainfo/index.ts'
import type { OpfsPieceStore } from './opfs-store.ts'

// One torrent's PieceStore as the engine sees it. Two things the OPFS store alone cannot do:
// - A magnet's torrent has no layout until its metadata arrives (BEP 9), but the engine takes its
//   store up front: this one is empty until `openFor(info)` opens the OPFS store.
// - A dropped file is shared before it is copied into OPFS (the share link comes first): while
//   `source` is set (the user's files as one Blob, torrent order), every piece is available, read
//   from OPFS once copied and from the user's file before. The copy (seed-files.ts) fills OPFS
//   behind it; once it is done the source is let go and a reload finds everything in OPFS. Without
//   room for a copy (or with the copy cancelled) there is no OPFS store at all: the torrent is
//   shared from the file for as long as the page lives.

export const TORRENT_STORE_LIMITS = {
  /** A failed read of the user's file waits at most this long for the copy to reach its piece. */
  copyWaitMs: 20_000,
  copyPollMs: 100,
}

export class TorrentStore implements PieceStore {
  info: TorrentInfo | null = null
  inner: OpfsPieceStore | null = null
  /** The user's files, while pieces are still served from them. */
  source: Blob | null = null
  /** Where reads were served from (tests, and the UI's honesty about what is copied). */
  readonly reads = { opfs: 0, source: 0, waitedForCopy: 0 }
  #opening: Promise<OpfsPieceStore | null> | null = null

  constructor(private readonly open: (info: TorrentInfo) => Promise<OpfsPieceStore>) {}

  async openFor(info: TorrentInfo): Promise<OpfsPieceStore | null> {
    this.info = info
    this.#opening ??= this.open(info).then((s) => (this.inner = s))
    return this.#opening
  }

  /**
   * Serve every piece from `source` (the user's files) until an OPFS store is attached: the share
   * link does not wait for OPFS (creating a torrent's files at full length takes a while).
   */
  withSource(info: TorrentInfo, source: Blob): void {
    this.info = info
    this.source = source
    this.#opening ??= Promise.resolve(null)
  }

  /** The OPFS store the copy fills; pieces it has are read from it from now on. */
  attach(inner: OpfsPieceStore): void {
    this.inner = inner
    this.#opening = Promise.resolve(inner)
  }

  /** Close the OPFS store (its files are then free to delete); the source, if any, still serves. */
  async closeInner(): Promise<void> {
    const s = this.#opening ? await this.#opening.catch(() => null) : null
    this.inner = null
    this.#opening = Promise.resolve(null)
    await s?.close()
  }

  /** A piece's bytes are here (copied into OPFS, or in the user's file). */
  available(index: number): boolean {
    return (this.source !== null && this.info !== null) || (this.inner?.has(index) ?? false)
  }

  get pieceCount(): number {
    return this.info?.pieceCount ?? 0
  }

  /** Pieces copied into OPFS. */
  storedCount(): number {
    let n = 0
    for (let i = 0; i < this.pieceCount; i++) if (this.inner?.has(i)) n++
    return n
  }

  async read(index: number, begin: number, length: number): Promise<Uint8Array> {
    const inner = this.inner
    if (inner?.has(index) || !this.source) {
      if (!inner) throw new RangeError('no data yet')
      this.reads.opfs++
      return inner.read(index, begin, length)
    }
    const info = this.info!
    const size = Math.min(info.pieceLength, info.length - index * info.pieceLength)
    if (!Number.isInteger(begin) || !Number.isInteger(length) || begin < 0 || length < 0 || begin + length > size) throw new RangeError(`read ${begin}+${length} outside piece ${index}`)
    const at = index * info.pieceLength + begin
    this.reads.source++
    const source = this.source
    try {
      return await readSlice(source, at, length)
    } catch (err) {
      // Seen in Chromium: reads of the shared Blob in the page fail with NotReadableError while the
      // copy into OPFS (a worker reading the same Blob) is under way, again and again, not once. The
      // uploader closes the peer on a failed read, which used to cost the leecher its only seeder
      // right after the link was opened. The copy is sequential and fast: wait for it to reach this
      // piece and serve it from OPFS.
      this.reads.waitedForCopy++
      if (await this.#copied(index)) return this.inner!.read(index, begin, length)
      throw err
    }
  }

  /** Wait (bounded) until the copy under way has put piece `index` into OPFS. */
  async #copied(index: number): Promise<boolean> {
    const deadline = Date.now() + TORRENT_STORE_LIMITS.copyWaitMs
    for (;;) {
      if (this.inner?.has(index)) return true
      if (!this.inner || !this.source || Date.now() >= deadline) return false
      await new Promise((r) => setTimeout(r, TORRENT_STORE_LIMITS.copyPollMs))
    }
  }

  /**
   * Bytes [start, end) of file `fileIndex`, all of whose pieces are available: one read from OPFS or
   * from the user's file when the range lies in one of them, else piece by piece.
   */
  async readFileRange(fileIndex: number, start: number, end: number, pieces: readonly number[]): Promise<Uint8Array | null> {
    const info = this.info
    const file = info?.files[fileIndex]
    if (!info || !file) return null
    if (this.inner && pieces.every((i) => this.inner!.has(i))) {
      this.reads.opfs++
      return this.inner.readFile(fileIndex, start, end - start)
    }
    if (this.source) {
      this.reads.source++
      return new Uint8Array(await this.source.slice(file.offset + start, file.offset + end).arrayBuffer())
    }
    return null
  }

  async write(index: number, data: Uint8Array): Promise<void> {
    if (!this.inner) throw new RangeError('no storage for this torrent')
    return this.inner.write(index, data)
  }

  async verified(): Promise<Iterable<number>> {
    if (this.#opening) await this.#opening
    if (this.source) return Array.from({ length: this.pieceCount }, (_, i) => i)
    return this.inner ? this.inner.verified() : []
  }

  async close(): Promise<void> {
    this.source = null
    await this.closeInner()
  }
}

async function readSlice(source: Blob, at: number, length: number): Promise<Uint8Array> {
  const bytes = new Uint8Array(await source.slice(at, at + length).arrayBuffer())
  if (bytes.byteLength !== length) throw new DOMException(`the shared file gave ${bytes.byteLength} of ${length} bytes (changed or removed?)`, 'NotReadableError')
  return bytes
}
