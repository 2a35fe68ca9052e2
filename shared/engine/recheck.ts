import { Bitfield } from './bitfield.ts'
import { PieceVerifier } from './piece-verifier.ts'
import type { Hasher } from './ports.ts'
import type { TorrentMeta } from './torrent-meta.ts'
import { V2Hashes } from './v2-hashes.ts'

// Re-checking stored data (a "force recheck"): every piece read back and hashed against the torrent,
// whatever the saved bitfield claims, so pieces that were lost or damaged on disk are fetched again and
// pieces that are there but were never recorded count. One piece in memory at a time.

export class RecheckCancelled extends Error {
  override name = 'RecheckCancelled'
  constructor() {
    super('the check was cancelled')
  }
}

export interface RecheckOptions {
  /** After each piece: how many were checked, and how many of them passed. */
  onProgress?: (checked: number, good: number) => void
  /** Checked before each piece: true stops the check with a RecheckCancelled error. */
  cancelled?: () => boolean
}

type CheckableMeta = Pick<TorrentMeta, 'pieceCount' | 'pieceHashes' | 'pieceLength' | 'metaVersion' | 'files' | 'pieceLayers'>

/**
 * The download's own piece check for stored data (a recheck here, the Node peer's data check): SHA-1,
 * the SHA-256 merkle root against the piece layers for v2 (BEP 52), both for a hybrid.
 */
export function pieceVerifierFor(meta: CheckableMeta, hasher: Hasher): PieceVerifier {
  return new PieceVerifier(meta, hasher, (meta.metaVersion ?? 1) === 1 ? null : new V2Hashes(meta))
}

/**
 * `readPiece(i)` gives the piece's stored bytes, or null when they cannot be read (a missing file):
 * such a piece is not verified. Returns the pieces that pass the download's own check (piece-verifier.ts:
 * SHA-1, the SHA-256 merkle root for v2 (BEP 52), both for a hybrid); a v2 piece whose piece layer is
 * unknown cannot pass.
 */
export async function recheckPieces(
  meta: CheckableMeta,
  hasher: Hasher,
  readPiece: (index: number) => Promise<Uint8Array | null>,
  o: RecheckOptions = {},
): Promise<Bitfield> {
  const good = new Bitfield(meta.pieceCount)
  const verifier = pieceVerifierFor(meta, hasher)
  for (let i = 0; i < meta.pieceCount; i++) {
    if (o.cancelled?.()) throw new RecheckCancelled()
    const data = await readPiece(i).catch(() => null)
    if (data && verifier.canVerify(i) && (await verifier.verify(i, data)).good) good.set(i)
    o.onProgress?.(i + 1, good.count())
  }
  return good
}
