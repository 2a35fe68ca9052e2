// A hybrid torrent (BEP 52 "Upgrade Path") describes the same bytes twice: a v1 file list with BEP 47
// padding files, and a v2 file tree. Both swarms share one storage, so the two must agree exactly or a
// v1 peer's piece would land in a different file than a v2 peer's. The rule is libtorrent's
// (files_compatible): the same number of entries and total length, and at every index either both
// entries are "relevant" (a non-empty, non-padding file) with the same path, length and offset, or
// neither is. A v1 padding file that lies about the gap it fills therefore shifts the next real file
// and is caught.
//
// Hybrids made by libtorrent 2.0.0-2.0.7 have no padding after their last file, and a single-file
// hybrid never has any: the v2 side's tail padding is dropped first when that is the only difference.

import { MetainfoError } from '../errors.ts'
import { showPath } from './validate-path.ts'
import type { TorrentFile } from './types.ts'

function relevant(f: TorrentFile): boolean {
  return !f.padding && f.length > 0
}

function withoutTailPadding(files: readonly TorrentFile[]): TorrentFile[] {
  const out = [...files]
  for (let i = out.length - 1; i >= 0; i--) {
    const f = out[i]!
    if (f.length === 0) continue
    if (f.padding) {
      out.splice(i, 1)
      // Empty files after it now start where the padding did.
      for (let j = i; j < out.length; j++) out[j] = { ...out[j]!, offset: f.offset }
    }
    break
  }
  return out
}

/** The v1 files with their v2 pieces roots, or a MetainfoError when the two lists disagree. */
export function mergeHybridFiles(v1: readonly TorrentFile[], v2Aligned: readonly TorrentFile[]): TorrentFile[] {
  const v2 = v2Aligned.length === v1.length + 1 ? withoutTailPadding(v2Aligned) : v2Aligned
  const total = (fs: readonly TorrentFile[]): number => fs.reduce((n, f) => n + f.length, 0)
  if (v2.length !== v1.length || total(v1) !== total(v2)) {
    throw new MetainfoError(
      `hybrid torrent: the v1 file list (${v1.length} entries, ${total(v1)} bytes) and the v2 file tree (${v2.length} entries with alignment, ${total(v2)} bytes) describe different files`,
    )
  }
  return v1.map((a, i) => {
    const b = v2[i]!
    if (relevant(a) !== relevant(b)) {
      throw new MetainfoError(`hybrid torrent: entry ${i} is ${showPath(a.path)} in the v1 list but ${showPath(b.path)} in the v2 file tree`)
    }
    if (!relevant(a)) return a
    if (a.path.join('/') !== b.path.join('/') || a.length !== b.length || a.offset !== b.offset) {
      throw new MetainfoError(
        `hybrid torrent: file ${i} is ${showPath(a.path)} (${a.length} bytes at ${a.offset}) in the v1 list but ${showPath(b.path)} (${b.length} bytes at ${b.offset}) in the v2 file tree`,
      )
    }
    return { ...a, piecesRoot: b.piecesRoot! }
  })
}
