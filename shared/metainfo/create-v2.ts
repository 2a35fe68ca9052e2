// The BEP 52 parts of a created torrent, from a plan and its per-piece merkle roots: the `file tree`
// (each file's length and pieces root), the `piece layers` beside the info dict (files larger than a
// piece), and for a hybrid the v1 file list with its BEP 47 padding files, exactly as libtorrent
// (2.0.8) writes them.

import { MetainfoError } from '../errors.ts'
import { toBinaryString, utf8 } from '../bytes.ts'
import type { BEncodable } from '../bencode/index.ts'
import { HASH_SIZE, fileTreeShape, rootFromPieceLayer } from '../merkle/index.ts'
import type { TorrentPlan } from './create-plan.ts'

type Dict = Map<string, BEncodable>

export interface V2Fields {
  fileTree: Dict
  /** By raw root (binary string), as the .torrent stores them. */
  pieceLayers: Map<string, Uint8Array>
}

/** The file tree and piece layers of `plan`, whose pieces hashed to `pieceRoots` (32 bytes each). */
export function v2Fields(plan: TorrentPlan, pieceRoots: Uint8Array): V2Fields {
  if (pieceRoots.length !== plan.pieceCount * HASH_SIZE) throw new MetainfoError(`${pieceRoots.length / HASH_SIZE} piece roots for ${plan.pieceCount} pieces`)
  const fileTree: Dict = new Map()
  const pieceLayers = new Map<string, Uint8Array>()
  for (const entry of plan.layout) {
    if (entry.padding) continue
    const props: Dict = new Map<string, BEncodable>([['length', entry.length]])
    if (entry.length > 0) {
      const shape = fileTreeShape(entry.length, plan.pieceLength)
      const first = entry.offset / plan.pieceLength
      const layer = pieceRoots.subarray(first * HASH_SIZE, (first + shape.pieces) * HASH_SIZE)
      const root = shape.hasPieceLayer ? rootFromPieceLayer(layer, shape) : layer.slice()
      props.set('pieces root', root)
      if (shape.hasPieceLayer) pieceLayers.set(toBinaryString(root), layer.slice())
    }
    // Keys are binary strings in a Map (the encoder sorts them as bytes): UTF-8 segments as such.
    let node = fileTree
    for (const segment of entry.path.map((s) => toBinaryString(utf8.encode(s)))) {
      let next = node.get(segment)
      if (next === undefined) node.set(segment, (next = new Map()))
      node = next as Dict
    }
    node.set('', props)
  }
  return { fileTree, pieceLayers }
}

/** A hybrid's v1 `files` list: the files and the padding between them (BEP 47, attr "p"). */
export function hybridFileList(plan: TorrentPlan): BEncodable[] {
  return plan.layout.map((e) => (e.padding ? { attr: 'p', length: e.length, path: e.path } : { length: e.length, path: e.path }))
}
