// BEP 52 piece layers: outside the info dict (so not covered by the info hash), the .torrent maps each
// file's pieces root to one SHA-256 per piece of that file, for every file larger than a piece. Since
// nothing else vouches for them, each layer must hash up to its root, or the torrent is refused: a
// layer that does not would make every piece of that file fail (or, worse, pass for wrong data).
//
// Like libtorrent, a file whose layer is absent is accepted: its layer comes from peers (hash
// requests) as it would for a magnet link. Entries for roots no file has are ignored.

import { MetainfoError } from '../errors.ts'
import { bytesEqual, fromHex, toBinaryString, toHex } from '../bytes.ts'
import { isBytes, isDict } from '../bencode/index.ts'
import type { BValue } from '../bencode/index.ts'
import { HASH_SIZE, fileTreeShape, rootFromPieceLayer } from '../merkle/index.ts'
import { showPath } from './validate-path.ts'
import type { TorrentFile, TorrentInfo } from './types.ts'

/** Whether the torrent should carry a piece layer for this file (BEP 52: files larger than a piece). */
export function needsPieceLayer(file: TorrentFile, pieceLength: number): boolean {
  return file.piecesRoot !== undefined && file.length > pieceLength
}

/**
 * Checks `layer` as the piece layer of `file` (its length, and that it hashes up to the file's pieces
 * root) and returns it; throws MetainfoError otherwise.
 */
export function verifyPieceLayer(file: TorrentFile, pieceLength: number, layer: Uint8Array): Uint8Array {
  const shape = fileTreeShape(file.length, pieceLength)
  if (layer.length !== shape.pieces * HASH_SIZE) {
    throw new MetainfoError(`the piece layer of file ${showPath(file.path)} has ${layer.length} bytes, not ${shape.pieces} hashes of ${HASH_SIZE}`)
  }
  if (!bytesEqual(rootFromPieceLayer(layer, shape), file.piecesRoot!)) {
    throw new MetainfoError(`the piece layer of file ${showPath(file.path)} does not hash up to its pieces root`)
  }
  return layer
}

/** The `piece layers` of a .torrent for `info`'s files, by pieces root (hex). */
export function readPieceLayers(value: BValue | undefined, info: TorrentInfo): Map<string, Uint8Array> {
  const layers = new Map<string, Uint8Array>()
  if (info.metaVersion === 1 || value === undefined) return layers
  if (!isDict(value)) throw new MetainfoError('piece layers should be a dict')
  for (const [key, layer] of value) {
    if (key.length !== HASH_SIZE || !isBytes(layer) || layer.length % HASH_SIZE !== 0) {
      throw new MetainfoError('piece layers: every key should be a 32-byte root and every value whole 32-byte hashes')
    }
  }
  for (const file of info.files) {
    if (!needsPieceLayer(file, info.pieceLength)) continue
    const hex = toHex(file.piecesRoot!)
    if (layers.has(hex)) continue // identical files share a root, and so a layer
    const layer = value.get(toBinaryString(file.piecesRoot!))
    if (layer === undefined) continue
    layers.set(hex, verifyPieceLayer(file, info.pieceLength, layer as Uint8Array))
  }
  return layers
}

/** The `piece layers` dict to write for `layers` (binary keys, as bencode stores them). */
export function pieceLayersDict(layers: ReadonlyMap<string, Uint8Array>): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>()
  for (const [hex, layer] of layers) out.set(toBinaryString(fromHex(hex)), layer)
  return out
}
