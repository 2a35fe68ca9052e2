import type { TorrentInfo } from '../../shared/metainfo/index.ts'
import type { TorrentLayout } from './opfs-store.ts'

/** The OPFS layout of a parsed torrent: its files under /torrents/<hex>/, padding files not stored. */
export function layoutOf(info: TorrentInfo): TorrentLayout {
  return {
    infoHashHex: info.infoHashHex,
    pieceLength: info.pieceLength,
    files: info.files.map((f) => ({ path: f.path, length: f.length, padding: f.padding })),
  }
}
