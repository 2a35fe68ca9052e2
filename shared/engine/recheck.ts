import { bytesEqual } from '../bytes.ts'
import { Bitfield } from './bitfield.ts'
import type { Hasher } from './ports.ts'
import type { TorrentMeta } from './torrent-meta.ts'

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

/**
 * `readPiece(i)` gives the piece's stored bytes, or null when they cannot be read (a missing file):
 * such a piece is not verified. Returns the pieces whose SHA-1 matches (BEP 3).
 */
export async function recheckPieces(
  meta: Pick<TorrentMeta, 'pieceCount' | 'pieceHashes'>,
  hasher: Hasher,
  readPiece: (index: number) => Promise<Uint8Array | null>,
  o: RecheckOptions = {},
): Promise<Bitfield> {
  const good = new Bitfield(meta.pieceCount)
  for (let i = 0; i < meta.pieceCount; i++) {
    if (o.cancelled?.()) throw new RecheckCancelled()
    const data = await readPiece(i).catch(() => null)
    if (data && bytesEqual(await hasher.sha1(data), meta.pieceHashes.subarray(i * 20, i * 20 + 20))) good.set(i)
    o.onProgress?.(i + 1, good.count())
  }
  return good
}
