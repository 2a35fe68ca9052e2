import { toHex } from '../bytes.ts'
import { HASH_SIZE, MERKLE_BLOCK_SIZE, fileTreeShape, hashPair, padHash, treeHeight } from '../merkle/index.ts'
import { V2PieceMap } from '../metainfo/v2-pieces.ts'
import type { TorrentMeta } from './torrent-meta.ts'

// What the torrent knows of its BEP 52 merkle trees: each v2 file's geometry, and the piece layers,
// from the .torrent or fetched from peers in chunks of 512 hashes (hash-fetcher.ts) after a magnet's
// metadata. A piece's expected hash (piece-verifier.ts) and the nodes an answer to a peer needs
// above the piece layer (hash-server.ts) come from here. Files with the same content share a pieces
// root, and so one layer. Memory: 32 bytes per piece for the layers, as much again for the levels
// above them once we serve a proof (built on first use, only for complete layers).

/** Pieces of a piece layer asked in one hash request (BEP 52: "SHOULD NOT be greater than 512"). */
export const LAYER_CHUNK = 512

export interface V2File {
  /** Index in the torrent's files list. */
  index: number
  root: Uint8Array
  rootHex: string
  length: number
  firstPiece: number
  pieces: number
  blocks: number
  /** Levels of the tree above its leaves. */
  height: number
  /** The level with one node per piece: the piece layer, or the root for a file of one piece. */
  pieceLevel: number
  /** Leaves under one piece's node. */
  pieceWidth: number
  /** Files larger than a piece have a piece layer (in the .torrent, or fetched from peers). */
  hasLayer: boolean
}

/** One piece of a v2 file. */
export interface V2PiecePlace {
  file: V2File
  pieceInFile: number
  /** Bytes of the file in the piece (the rest is padding no hash covers). */
  dataLength: number
}

interface Layer {
  hashes: Uint8Array
  /** Per chunk of LAYER_CHUNK pieces: 1 when verified against the root. */
  known: Uint8Array
  missing: number
  /** Levels above the piece layer, built when first needed to prove something to a peer. */
  upper: Uint8Array[] | null
}

export class V2Hashes {
  readonly files: V2File[] = []
  private readonly map: V2PieceMap
  private readonly byIndex = new Map<number, V2File>()
  private readonly byRoot = new Map<string, V2File>()
  private readonly layers = new Map<string, Layer>()

  constructor(meta: Pick<TorrentMeta, 'files' | 'pieceLength' | 'pieceLayers'>) {
    const files = meta.files ?? []
    this.map = new V2PieceMap(files.map((f) => ({ ...f, padding: f.padding ?? false })), meta.pieceLength)
    files.forEach((f, index) => {
      if (f.padding || f.length === 0 || f.piecesRoot === undefined) return
      const shape = fileTreeShape(f.length, meta.pieceLength)
      const height = treeHeight(shape.blocks)
      const file: V2File = {
        index,
        root: f.piecesRoot,
        rootHex: toHex(f.piecesRoot),
        length: f.length,
        firstPiece: f.offset / meta.pieceLength,
        pieces: shape.pieces,
        blocks: shape.blocks,
        height,
        pieceLevel: shape.hasPieceLayer ? shape.pieceHeight : height,
        pieceWidth: shape.pieceWidth,
        hasLayer: shape.hasPieceLayer,
      }
      this.files.push(file)
      this.byIndex.set(index, file)
      if (!this.byRoot.has(file.rootHex)) this.byRoot.set(file.rootHex, file)
      if (file.hasLayer && !this.layers.has(file.rootHex)) {
        const chunks = Math.ceil(file.pieces / LAYER_CHUNK)
        const given = meta.pieceLayers?.get(file.rootHex)
        // Layers in a parsed .torrent were checked against their roots (shared/metainfo).
        this.layers.set(file.rootHex, {
          hashes: given ?? new Uint8Array(file.pieces * HASH_SIZE),
          known: new Uint8Array(chunks).fill(given ? 1 : 0),
          missing: given ? 0 : chunks,
          upper: null,
        })
      }
    })
  }

  /** The file and place of piece `index`. */
  place(index: number): V2PiecePlace {
    const p = this.map.piece(index)
    return { file: this.byIndex.get(p.file)!, pieceInFile: p.pieceInFile, dataLength: p.dataLength }
  }

  fileByRoot(root: Uint8Array): V2File | undefined {
    return this.byRoot.get(toHex(root))
  }

  /** The hash piece `index` must hash up to, or null while its part of the piece layer is unknown. */
  pieceHash(index: number): Uint8Array | null {
    const { file, pieceInFile } = this.place(index)
    if (!file.hasLayer) return file.root
    const layer = this.layers.get(file.rootHex)!
    if (layer.known[Math.floor(pieceInFile / LAYER_CHUNK)] !== 1) return null
    return layer.hashes.subarray(pieceInFile * HASH_SIZE, (pieceInFile + 1) * HASH_SIZE)
  }

  /** Chunks of piece layers still to fetch, as (file, chunk) pairs; one file per shared root. */
  missingChunks(): { file: V2File; chunk: number }[] {
    const out: { file: V2File; chunk: number }[] = []
    for (const [hex, layer] of this.layers) {
      if (layer.missing === 0) continue
      const file = this.byRoot.get(hex)!
      layer.known.forEach((k, chunk) => {
        if (k === 0) out.push({ file, chunk })
      })
    }
    return out
  }

  chunkKnown(file: V2File, chunk: number): boolean {
    return this.layers.get(file.rootHex)?.known[chunk] === 1
  }

  /**
   * A chunk of `file`'s piece layer, already proven against its root. Returns the pieces, of every
   * file with this root, whose hash is now known.
   */
  addChunk(file: V2File, chunk: number, hashes: Uint8Array): number[] {
    const layer = this.layers.get(file.rootHex)
    if (!layer || layer.known[chunk] === 1) return []
    const from = chunk * LAYER_CHUNK
    const count = Math.min(LAYER_CHUNK, file.pieces - from)
    layer.hashes.set(hashes.subarray(0, count * HASH_SIZE), from * HASH_SIZE)
    layer.known[chunk] = 1
    layer.missing--
    const pieces: number[] = []
    for (const f of this.files) {
      if (f.rootHex !== file.rootHex) continue
      for (let i = from; i < from + count; i++) pieces.push(f.firstPiece + i)
    }
    return pieces
  }

  /** Whether every piece layer is known (from the .torrent or fetched). */
  layersComplete(): boolean {
    for (const layer of this.layers.values()) if (layer.missing > 0) return false
    return true
  }

  /** The complete piece layers, by root (hex): what a .torrent of this torrent would carry. */
  completeLayers(): Map<string, Uint8Array> {
    const out = new Map<string, Uint8Array>()
    for (const [hex, layer] of this.layers) if (layer.missing === 0) out.set(hex, layer.hashes)
    return out
  }

  /**
   * A node at or above the piece level of `file`'s tree, or null when we cannot know it (its piece
   * layer incomplete). Nodes right of the file's end are pad hashes.
   */
  upperNode(file: V2File, level: number, position: number): Uint8Array | null {
    if (position * 2 ** level >= file.blocks) return padHash(level)
    if (!file.hasLayer) return level === file.height && position === 0 ? file.root : null
    const upper = this.upperLevels(file)
    if (upper === null) return null
    const row = upper[level - file.pieceLevel]!
    return position * HASH_SIZE < row.length ? row.subarray(position * HASH_SIZE, (position + 1) * HASH_SIZE) : padHash(level)
  }

  private upperLevels(file: V2File): Uint8Array[] | null {
    const layer = this.layers.get(file.rootHex)!
    if (layer.missing > 0) return null
    if (layer.upper) return layer.upper
    // Each level holds the nodes over real pieces only; anything right of them is a pad hash.
    const rows: Uint8Array[] = [layer.hashes]
    for (let level = file.pieceLevel; level < file.height; level++) {
      const below = rows[rows.length - 1]!
      const n = below.length / HASH_SIZE
      const row = new Uint8Array(Math.ceil(n / 2) * HASH_SIZE)
      for (let i = 0; i < n; i += 2) {
        const left = below.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE)
        const right = i + 1 < n ? below.subarray((i + 1) * HASH_SIZE, (i + 2) * HASH_SIZE) : padHash(level)
        row.set(hashPair(left, right), (i / 2) * HASH_SIZE)
      }
      rows.push(row)
    }
    layer.upper = rows
    return rows
  }
}

/** Leaves under piece `pieceInFile` of `file`: its first leaf's position in the file's tree. */
export function firstLeafOf(file: V2File, pieceInFile: number): number {
  return pieceInFile * file.pieceWidth
}

/** Blocks of file data in a piece of `dataLength` bytes. */
export function blocksIn(dataLength: number): number {
  return Math.ceil(dataLength / MERKLE_BLOCK_SIZE)
}
