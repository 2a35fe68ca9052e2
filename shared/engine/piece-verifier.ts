import { bytesEqual } from '../bytes.ts'
import { blockHashes, layerRoot } from '../merkle/index.ts'
import type { Hasher } from './ports.ts'
import type { TorrentMeta } from './torrent-meta.ts'
import type { V2Hashes } from './v2-hashes.ts'

// Whether a downloaded piece is the torrent's. v1 (BEP 3): its SHA-1 against `pieces`. v2 (BEP 52):
// the merkle root of its 16 KiB blocks (SHA-256, through the Hasher port: WebCrypto in the tab)
// against the file's piece layer entry, or the file's pieces root for a file of one piece; the
// padding after a file's end is covered by no hash, so it is zeroed, never trusted. A hybrid piece
// must match both (BEP 52 "Upgrade Path"); while the piece layer of its file is unknown (a magnet
// before the layers arrive) its SHA-1 alone decides, as for a v1 torrent.

export interface PieceCheck {
  good: boolean
  /** v2: the SHA-256 of each 16 KiB block checked (the piece's leaves), to find a corrupt block. */
  leaves: Uint8Array | null
  /** v2: whether the merkle root matched; null when the piece had no v2 check. */
  v2Good: boolean | null
}

export class PieceVerifier {
  private readonly hasV1: boolean

  constructor(
    private readonly meta: Pick<TorrentMeta, 'pieceHashes' | 'metaVersion'>,
    private readonly hasher: Hasher,
    private readonly v2: V2Hashes | null,
  ) {
    this.hasV1 = (meta.metaVersion ?? 1) !== 2
  }

  /** Whether piece `index` can be checked now (a v2-only piece needs its file's layer). */
  canVerify(index: number): boolean {
    return this.hasV1 || this.v2?.pieceHash(index) != null
  }

  /**
   * Checks a whole piece (`data` is pieceSize bytes). For v2, the bytes past the file's end are set
   * to zero first: they are padding whatever a peer sent.
   */
  async verify(index: number, data: Uint8Array): Promise<PieceCheck> {
    let leaves: Uint8Array | null = null
    let v2Good: boolean | null = null
    if (this.v2 !== null) {
      const { file, dataLength } = this.v2.place(index)
      data.fill(0, dataLength)
      const expected = this.v2.pieceHash(index)
      if (expected === null && !this.hasV1) throw new Error(`piece ${index}: its file's piece layer is not known yet`)
      if (expected !== null) {
        leaves = await blockHashes(data.subarray(0, dataLength), this.hasher.sha256)
        v2Good = bytesEqual(layerRoot(leaves, file.pieceWidth, 0), expected)
      }
    }
    let v1Good = true
    if (this.hasV1) {
      const digest = await this.hasher.sha1(data)
      v1Good = bytesEqual(digest, this.meta.pieceHashes.subarray(index * 20, index * 20 + 20))
    }
    return { good: v1Good && v2Good !== false, leaves, v2Good }
  }
}
