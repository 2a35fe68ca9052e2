// Where each piece of a v2 or hybrid torrent lies (BEP 52): files are piece-aligned, so every piece
// belongs to exactly one file and holds `dataLength` bytes of it, the rest (in a file's last piece)
// being padding that no merkle hash covers. What is needed to hash or verify a piece by SHA-256:
// its file, its place in that file's tree, and how many leaves sit under its hash.

import { fileTreeShape } from '../merkle/index.ts'
import type { TorrentFile } from './types.ts'

export interface V2Piece {
  /** Index in the files list of the file the piece belongs to. */
  file: number
  /** The piece's position among its file's pieces (its index in the file's piece layer). */
  pieceInFile: number
  /** Bytes of the file in this piece: pieceLength, or less in the file's last piece. */
  dataLength: number
  /** Leaves under the piece's hash (FileTreeShape.pieceWidth). */
  leafWidth: number
}

type Placed = Pick<TorrentFile, 'length' | 'offset' | 'padding'>

/** Maps piece indices of a piece-aligned file list (a v2 or hybrid torrent's) to their files. */
export class V2PieceMap {
  /** First piece of each file that has any, ascending; `fileOf[k]` is that file's index. */
  private readonly firstPiece: number[] = []
  private readonly fileOf: number[] = []

  constructor(
    private readonly files: readonly Placed[],
    private readonly pieceLength: number,
  ) {
    files.forEach((f, i) => {
      if (f.padding || f.length === 0) return
      if (f.offset % pieceLength !== 0) throw new RangeError(`file ${i} does not start a piece: not a v2 layout`)
      this.firstPiece.push(f.offset / pieceLength)
      this.fileOf.push(i)
    })
  }

  /** Where piece `index` lies. */
  piece(index: number): V2Piece {
    let lo = 0
    let hi = this.firstPiece.length - 1
    if (hi < 0 || index < this.firstPiece[0]!) throw new RangeError(`piece ${index} is in no file`)
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1
      if (this.firstPiece[mid]! <= index) lo = mid
      else hi = mid - 1
    }
    const fileIndex = this.fileOf[lo]!
    const file = this.files[fileIndex]!
    const pieceInFile = index - this.firstPiece[lo]!
    const dataLength = Math.min(this.pieceLength, file.length - pieceInFile * this.pieceLength)
    if (dataLength <= 0) throw new RangeError(`piece ${index} is in no file`)
    return { file: fileIndex, pieceInFile, dataLength, leafWidth: fileTreeShape(file.length, this.pieceLength).pieceWidth }
  }
}
