import { bytesEqual, toHex } from '../bytes.ts'
import { HASH_SIZE, pieceRoot } from '../merkle/index.ts'
import { V2PieceMap } from '../metainfo/v2-pieces.ts'
import type { Hasher } from './ports.ts'
import type { TorrentMeta } from './torrent-meta.ts'

// Whether a downloaded piece is the torrent's. v1 (BEP 3): its SHA-1 against `pieces`. v2 (BEP 52):
// the merkle root of its 16 KiB blocks (SHA-256, through the Hasher port: WebCrypto in the tab)
// against the file's piece layer entry, or the file's pieces root for a file of one piece; the
// padding after a file's end is covered by no hash, so it is zeroed, never trusted. A hybrid piece
// must match both (BEP 52 "Upgrade Path"); while the piece layer of its file is unknown (a magnet
// before the layers arrive) its SHA-1 alone decides, as for a v1 torrent.

export type Verdict = 'good' | 'bad'

export class PieceVerifier {
  private readonly v2: V2PieceMap | null
  private readonly hasV1: boolean

  constructor(
    private readonly meta: TorrentMeta,
    private readonly hasher: Hasher,
  ) {
    const version = meta.metaVersion ?? 1
    this.hasV1 = version !== 2
    this.v2 = version !== 1 && meta.files !== undefined ? new V2PieceMap(meta.files.map((f) => ({ ...f, padding: f.padding ?? false })), meta.pieceLength) : null
  }

  /** Whether piece `index` can be checked now (a v2-only piece needs its file's layer). */
  canVerify(index: number): boolean {
    return this.hasV1 || this.expectedRoot(index) !== null
  }

  /**
   * Checks a whole piece (`data` is pieceSize bytes). For v2, the bytes past the file's end are set
   * to zero first: they are padding whatever a peer sent.
   */
  async verify(index: number, data: Uint8Array): Promise<Verdict> {
    if (this.v2 !== null) {
      const where = this.v2.piece(index)
      data.fill(0, where.dataLength)
      const expected = this.expectedRoot(index)
      if (expected === null && !this.hasV1) throw new Error(`piece ${index}: its file's piece layer is not known yet`)
      if (expected !== null && !bytesEqual(await pieceRoot(data.subarray(0, where.dataLength), where.leafWidth, this.hasher.sha256), expected)) return 'bad'
    }
    if (this.hasV1) {
      const digest = await this.hasher.sha1(data)
      if (!bytesEqual(digest, this.meta.pieceHashes.subarray(index * 20, index * 20 + 20))) return 'bad'
    }
    return 'good'
  }

  /** The SHA-256 a v2 piece must hash up to, or null while its file's piece layer is unknown. */
  expectedRoot(index: number): Uint8Array | null {
    if (this.v2 === null) return null
    const where = this.v2.piece(index)
    const file = this.meta.files![where.file]!
    const root = file.piecesRoot
    if (root === undefined) return null
    if (file.length <= this.meta.pieceLength) return root
    const layer = this.meta.pieceLayers?.get(toHex(root))
    return layer === undefined ? null : layer.subarray(where.pieceInFile * HASH_SIZE, (where.pieceInFile + 1) * HASH_SIZE)
  }
}
