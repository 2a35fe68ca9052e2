import { toHex } from '../../shared/bytes.ts'
import { MetainfoError, type TorrentInfo } from '../../shared/metainfo/index.ts'

// The engine verifies v2 pieces by SHA-256 against the piece layers a .torrent carries; it cannot
// fetch missing layers from peers yet (BEP 52 hash requests), and seeding checks the user's files by
// SHA-1. So a v2-only torrent is refused unless its .torrent has every layer, and never seeded from files.
export function refuseV2Only<T extends TorrentInfo>(meta: T, seeding = false): T {
  if (meta.metaVersion !== 2) return meta
  const layers = (meta as { pieceLayers?: ReadonlyMap<string, Uint8Array> }).pieceLayers
  const complete = meta.files.every((f) => f.piecesRoot === undefined || f.length <= meta.pieceLength || layers?.has(toHex(f.piecesRoot)) === true)
  if (seeding || !complete) throw new MetainfoError(`this is a v2-only torrent (BEP 52)${seeding ? '' : ' without all its piece layers'}: this app cannot ${seeding ? 'seed' : 'download'} it yet`)
  return meta
}
