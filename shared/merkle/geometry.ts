// The shape of one file's merkle tree (BEP 52) for a given piece length: how many leaves, which layer
// holds one hash per piece, and how the piece layer and a piece's own leaves hash up to what the
// torrent states (the piece layer's entry, or the file's pieces root for files of one piece).

import { HASH_SIZE, MERKLE_BLOCK_SIZE, layerRoot, log2, nextPowerOfTwo } from './merkle.ts'

export interface FileTreeShape {
  /** 16 KiB blocks of the file (the last may be shorter). */
  blocks: number
  /** Leaves of the whole tree: blocks rounded up to a power of two. */
  leafWidth: number
  /** Pieces the file spans (files are piece-aligned in v2). */
  pieces: number
  /** Height of the piece layer above the leaves: log2(piece length / 16 KiB). */
  pieceHeight: number
  /** Whether the torrent carries a piece layer for this file (BEP 52: only files larger than a piece). */
  hasPieceLayer: boolean
  /** Leaves under one piece's hash: a whole piece's blocks, or the whole tree for a one-piece file. */
  pieceWidth: number
}

/** The tree of a non-empty file of `length` bytes in a torrent of `pieceLength` (a power of two >= 16 KiB). */
export function fileTreeShape(length: number, pieceLength: number): FileTreeShape {
  if (!Number.isSafeInteger(length) || length < 1) throw new RangeError(`fileTreeShape: length ${length}`)
  if (pieceLength < MERKLE_BLOCK_SIZE || nextPowerOfTwo(pieceLength) !== pieceLength) throw new RangeError(`fileTreeShape: piece length ${pieceLength}`)
  const blocks = Math.ceil(length / MERKLE_BLOCK_SIZE)
  const leafWidth = nextPowerOfTwo(blocks)
  const blocksPerPiece = pieceLength / MERKLE_BLOCK_SIZE
  return {
    blocks,
    leafWidth,
    pieces: Math.ceil(length / pieceLength),
    pieceHeight: log2(blocksPerPiece),
    hasPieceLayer: length > pieceLength,
    pieceWidth: Math.min(blocksPerPiece, leafWidth),
  }
}

/** The pieces root a file's piece layer (one hash per piece, concatenated) hashes up to. */
export function rootFromPieceLayer(layer: Uint8Array, shape: FileTreeShape): Uint8Array {
  if (layer.length !== shape.pieces * HASH_SIZE) throw new RangeError(`a piece layer of ${layer.length} bytes for ${shape.pieces} pieces`)
  return layerRoot(layer, nextPowerOfTwo(shape.pieces), shape.pieceHeight)
}

/**
 * The hash one piece's leaves (the SHA-256 of each of its blocks, concatenated) hash up to: the
 * piece layer's entry, or the pieces root when the file is one piece or less.
 */
export function pieceHashFromLeaves(leaves: Uint8Array, shape: FileTreeShape): Uint8Array {
  return layerRoot(leaves, shape.pieceWidth, 0)
}
