import { join } from 'node:path'
import { decode, isDict } from '../shared/bencode/index.ts'
import type { TorrentInfo } from '../shared/metainfo/index.ts'

// Where a torrent's files live on disk, as every BitTorrent client lays them out (BEP 3): a
// single-file torrent is the file DIR/<name>; a multi-file torrent is the folder DIR/<name> with each
// file at its path below it. BEP 47 padding files are never written. Names and paths were checked
// by shared/metainfo (no "..", no separators, no control characters), so joining them stays in DIR.

export interface DiskFile {
  /** Index in info.files. */
  index: number
  path: string
  length: number
  /** Offset in the torrent's byte space. */
  offset: number
  padding: boolean
}

export interface DiskLayout {
  /** DIR/<name>: the file, or the folder of a multi-file torrent. */
  root: string
  files: DiskFile[]
}

/**
 * TorrentInfo lists a single-file torrent's file as [name], which a multi-file torrent holding one
 * file named like the torrent would also give: the info dict says which it is (a `files` list).
 */
export function isMultiFile(info: TorrentInfo): boolean {
  // A v2-only torrent's one file is followed by the padding BEP 52 implies (shared/metainfo): not a file.
  const real = info.files.filter((f) => !f.padding)
  if (real.length !== 1 || real[0]!.path.length !== 1 || real[0]!.path[0] !== info.name) return true
  const dict = decode(info.infoBytes)
  return isDict(dict) && dict.has('files')
}

export function diskLayout(dir: string, info: TorrentInfo): DiskLayout {
  const root = join(dir, info.name)
  const multi = isMultiFile(info)
  return {
    root,
    files: info.files.map((f, index) => ({
      index,
      path: multi ? join(root, ...f.path) : root,
      length: f.length,
      offset: f.offset,
      padding: f.padding,
    })),
  }
}
