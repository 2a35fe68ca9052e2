import { createTorrent } from '../../metainfo/index.ts'
import type { TorrentMeta } from '../torrent-meta.ts'
import { seededRandom } from '../../test-support/random.ts'

/** Deterministic pseudo-random content. */
export function makeData(length: number, seed = 1): Uint8Array {
  const rnd = seededRandom(seed)
  const out = new Uint8Array(length)
  for (let i = 0; i < length; i += 4) {
    const v = (rnd() * 0x100000000) >>> 0
    out[i] = v & 0xff
    out[i + 1] = (v >>> 8) & 0xff
    out[i + 2] = (v >>> 16) & 0xff
    out[i + 3] = v >>> 24
  }
  return out
}

/** A real torrent (shared/metainfo's createTorrent) over in-memory files. */
export async function makeTorrent(files: { name: string; data: Uint8Array }[], pieceLength: number): Promise<TorrentMeta> {
  const inputs = files.map((f) => ({
    path: files.length === 1 ? [f.name] : ['content', f.name],
    length: f.data.length,
    async *stream() {
      yield f.data
    },
  }))
  const { metainfo } = await createTorrent(inputs, { pieceLength, creationDate: null })
  return metainfo
}
