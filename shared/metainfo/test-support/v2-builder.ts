// Test helper: v2 and hybrid info dicts built by hand from in-memory files (node:crypto for the
// leaves, an independent check on the code under test), as plain objects the tests can then break.
import { createHash } from 'node:crypto'
import { encode } from '../../bencode/index.ts'
import type { BEncodable } from '../../bencode/index.ts'
import { fileTreeShape, joinHashes, layerRoot, MERKLE_BLOCK_SIZE, rootFromPieceLayer } from '../../merkle/index.ts'
import { toBinaryString } from '../../bytes.ts'

export interface MemFile {
  path: string[]
  data: Uint8Array
}

type Dict = Record<string, BEncodable | undefined>

const sha256 = (b: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(b).digest())
const sha1 = (b: Uint8Array): Uint8Array => new Uint8Array(createHash('sha1').update(b).digest())

/** The piece layer (one hash per piece) and root of one file. */
export function merkleOf(data: Uint8Array, pieceLength: number): { root: Uint8Array; layer: Uint8Array } {
  const shape = fileTreeShape(data.length, pieceLength)
  const leaves: Uint8Array[] = []
  for (let at = 0; at < data.length; at += MERKLE_BLOCK_SIZE) leaves.push(sha256(data.subarray(at, at + MERKLE_BLOCK_SIZE)))
  const perPiece = pieceLength / MERKLE_BLOCK_SIZE
  const pieceHashes: Uint8Array[] = []
  for (let i = 0; i < leaves.length; i += perPiece) pieceHashes.push(layerRoot(joinHashes(leaves.slice(i, i + perPiece)), shape.pieceWidth, 0))
  const layer = joinHashes(pieceHashes)
  return { root: shape.hasPieceLayer ? rootFromPieceLayer(layer, shape) : pieceHashes[0]!, layer }
}

export interface V2Parts {
  info: Dict
  /** Binary-string keys (raw roots), as bencode writes them. */
  layers: Map<string, Uint8Array>
}

/** A v2-only (or, with `hybrid`, hybrid with libtorrent's padding) info dict and its piece layers. */
export function v2Parts(files: MemFile[], pieceLength: number, options: { name?: string; hybrid?: boolean } = {}): V2Parts {
  const tree: Dict = {}
  const layers = new Map<string, Uint8Array>()
  const v1Files: Dict[] = []
  const stream: Uint8Array[] = []
  for (const f of files) {
    let node = tree
    for (const seg of f.path) node = (node[seg] ??= {}) as Dict
    const props: Dict = { length: f.data.length }
    if (f.data.length > 0) {
      const { root, layer } = merkleOf(f.data, pieceLength)
      props['pieces root'] = root
      if (f.data.length > pieceLength) layers.set(toBinaryString(root), layer)
    }
    node[''] = props
    v1Files.push({ length: f.data.length, path: f.path })
    stream.push(f.data)
    const gap = f.data.length % pieceLength
    if (f.data.length > 0 && gap !== 0 && files.length > 1) {
      const pad = pieceLength - gap
      v1Files.push({ attr: 'p', length: pad, path: ['.pad', String(pad)] })
      stream.push(new Uint8Array(pad))
    }
  }
  const info: Dict = { 'file tree': tree, 'meta version': 2, name: options.name ?? files[0]!.path[0]!, 'piece length': pieceLength }
  if (options.hybrid === true) {
    const all = Buffer.concat(stream)
    const pieces: Uint8Array[] = []
    for (let at = 0; at < all.length; at += pieceLength) pieces.push(sha1(all.subarray(at, at + pieceLength)))
    info.pieces = Buffer.concat(pieces)
    if (files.length === 1 && files[0]!.path.length === 1) info.length = files[0]!.data.length
    else info.files = v1Files
  }
  return { info, layers }
}

/** A .torrent of `parts`, with their layers unless others are given. */
export function v2Torrent(parts: V2Parts, layers: Map<string, BEncodable> | null = parts.layers): Uint8Array {
  return encode({ info: parts.info, ...(layers !== null ? { 'piece layers': layers } : {}) })
}
