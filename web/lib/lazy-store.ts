import type { PieceStore } from '../../shared/engine/ports.ts'
import type { TorrentInfo } from '../../shared/metainfo/index.ts'
import type { OpfsPieceStore } from './opfs-store.ts'

// A magnet's torrent has no layout until its metadata arrives (BEP 9), but the engine takes its
// PieceStore up front. This store is empty until `openFor(info)` opens the real one; the engine only
// reads, writes or asks what is verified after it knows the metadata.

export class LazyPieceStore implements PieceStore {
  inner: OpfsPieceStore | null = null
  #opening: Promise<OpfsPieceStore> | null = null

  constructor(private readonly open: (info: TorrentInfo) => Promise<OpfsPieceStore>) {}

  async openFor(info: TorrentInfo): Promise<OpfsPieceStore> {
    this.#opening ??= this.open(info).then((s) => (this.inner = s))
    return this.#opening
  }

  async read(index: number, begin: number, length: number): Promise<Uint8Array> {
    if (!this.inner) throw new RangeError('no data yet')
    return this.inner.read(index, begin, length)
  }

  async write(index: number, data: Uint8Array): Promise<void> {
    if (!this.inner) throw new RangeError('no data yet')
    return this.inner.write(index, data)
  }

  async verified(): Promise<Iterable<number>> {
    if (this.#opening) await this.#opening
    return this.inner ? this.inner.verified() : []
  }

  async close(): Promise<void> {
    const s = this.#opening ? await this.#opening.catch(() => null) : null
    await s?.close()
  }
}
