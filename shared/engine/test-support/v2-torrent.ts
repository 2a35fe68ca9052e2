import { createTorrent } from '../../metainfo/index.ts'
import type { Metainfo, MetaVersion } from '../../metainfo/index.ts'
import { MemoryStore } from '../adapters/memory-store.ts'

// v2 and hybrid torrents (BEP 52) over in-memory files, for engine tests: the torrent as
// shared/metainfo creates it (libtorrent's layout), and its whole piece space with the padding.

export interface TestFile {
  path: string[]
  data: Uint8Array
}

export async function v2TorrentOf(files: readonly TestFile[], pieceLength: number, metaVersion: MetaVersion): Promise<Metainfo> {
  const inputs = files.map((f) => ({ path: f.path, length: f.data.length, async *stream() { yield f.data } }))
  return (await createTorrent(inputs, { pieceLength, metaVersion, creationDate: null })).metainfo
}

/** The torrent's whole piece space: the files in order, zeros for the padding between them. */
export function pieceSpace(m: Metainfo, files: readonly TestFile[]): Uint8Array {
  const out = new Uint8Array(m.length)
  for (const f of m.files) {
    if (f.padding) continue
    out.set(files.find((x) => x.path.slice(1).join('/') === f.path.join('/'))!.data, f.offset)
  }
  return out
}

/** A seeder's store that serves some blocks with one byte flipped (all of them by default). */
export class CorruptStore extends MemoryStore {
  constructor(space: Uint8Array, pieceLength: number, private readonly corrupt: (index: number, begin: number) => boolean = () => true) {
    super(pieceLength)
    for (const [i, piece] of MemoryStore.seeded(space, pieceLength).pieces) this.pieces.set(i, piece)
  }

  override async read(index: number, begin: number, length: number): Promise<Uint8Array> {
    const block = (await super.read(index, begin, length)).slice()
    if (this.corrupt(index, begin)) block[0]! ^= 0xff
    return block
  }
}
