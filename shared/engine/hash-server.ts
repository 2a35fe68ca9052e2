import { bytesEqual } from '../bytes.ts'
import { HASH_SIZE, baseNodes, blockHashes, fitsTree, hashPair, isPastEnd, padHash, uncleNodes, type TreeNode } from '../merkle/index.ts'
import type { HashRequest } from '../wire/messages.ts'
import type { Hasher, PieceStore } from './ports.ts'
import type { V2File, V2Hashes } from './v2-hashes.ts'

// Answering BEP 52 hash requests: the nodes a peer names and the uncles that prove them. Nodes at or
// above the piece level come from the piece layer (v2-hashes.ts); nodes below it (a piece's leaves,
// what libtorrent asks after a piece fails) are hashed from the piece's data, read from the store:
// one piece per request at most, and only a piece we have verified. Anything else is refused (the
// peer gets a `hash reject`), as libtorrent refuses what it cannot answer.

export class HashServer {
  constructor(
    private readonly v2: V2Hashes,
    private readonly store: PieceStore,
    private readonly hasher: Hasher,
    private readonly have: (piece: number) => boolean,
  ) {}

  /** The answer's hashes (base nodes, then uncles), or null to reject the request. */
  async answer(r: HashRequest): Promise<Uint8Array | null> {
    const file = this.v2.fileByRoot(r.piecesRoot)
    if (!file || !fitsTree(r, file.blocks)) return null
    const nodes = [...baseNodes(r), ...uncleNodes(r)]
    // Nodes under the piece level (past the file's end they are pad hashes) must all lie in one piece.
    let piece: number | null = null
    for (const n of nodes) {
      if (n.level >= file.pieceLevel || isPastEnd(n, file.blocks)) continue
      const inPiece = Math.floor((n.position * 2 ** n.level) / file.pieceWidth)
      if (piece !== null && piece !== inPiece) return null
      piece = inPiece
    }
    const below = piece === null ? null : await this.pieceLevels(file, piece)
    if (piece !== null && below === null) return null
    const out = new Uint8Array(nodes.length * HASH_SIZE)
    for (let i = 0; i < nodes.length; i++) {
      const hash = this.node(file, nodes[i]!, piece, below)
      if (hash === null) return null
      out.set(hash, i * HASH_SIZE)
    }
    return out
  }

  private node(file: V2File, n: TreeNode, piece: number | null, below: Uint8Array[] | null): Uint8Array | null {
    if (isPastEnd(n, file.blocks)) return padHash(n.level)
    if (n.level >= file.pieceLevel) return this.v2.upperNode(file, n.level, n.position)
    const width = file.pieceWidth / 2 ** n.level
    const at = n.position - piece! * width
    return below![n.level]!.subarray(at * HASH_SIZE, (at + 1) * HASH_SIZE)
  }

  /**
   * The levels of piece `pieceInFile`'s subtree below the piece level, hashed from its data (leaves
   * past the file's end are zero). Null when we do not have the piece, or its data no longer hashes to
   * what the torrent says (then we have nothing true to tell).
   */
  private async pieceLevels(file: V2File, pieceInFile: number): Promise<Uint8Array[] | null> {
    const index = file.firstPiece + pieceInFile
    if (!this.have(index)) return null
    const data = await this.store.read(index, 0, this.v2.place(index).dataLength)
    const leaves = new Uint8Array(file.pieceWidth * HASH_SIZE)
    leaves.set(await blockHashes(data, this.hasher.sha256))
    const levels = [leaves]
    for (let level = 1; level <= file.pieceLevel; level++) {
      const prev = levels[level - 1]!
      const row = new Uint8Array(prev.length / 2)
      for (let i = 0; i < row.length; i += HASH_SIZE) row.set(hashPair(prev.subarray(2 * i, 2 * i + HASH_SIZE), prev.subarray(2 * i + HASH_SIZE, 2 * i + 2 * HASH_SIZE)), i)
      levels.push(row)
    }
    const expected = this.v2.pieceHash(index)
    if (expected !== null && !bytesEqual(levels[file.pieceLevel]!, expected)) return null
    return levels
  }
}
