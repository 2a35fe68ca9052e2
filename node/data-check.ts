import { pieceVerifierFor, type Hasher, type TorrentMeta } from '../shared/engine/index.ts'

// Checking data already on disk (seeding existing files, resuming a download): read each candidate
// piece and check it as a download would (the engine's PieceVerifier: its SHA-1 for v1, the SHA-256
// merkle root of its 16 KiB blocks against the file's piece layer for v2 (BEP 52), both for a hybrid).
// A v2 piece whose file's layer is not known (a .torrent without `piece layers`) cannot pass here: it
// is fetched again once peers give the layers. A few pieces are read and hashed at once so the disk
// and the hasher (WebCrypto runs in Node's thread pool) overlap; memory is those few pieces.

export type CheckedMeta = Pick<TorrentMeta, 'pieceCount' | 'pieceHashes' | 'pieceLength' | 'metaVersion' | 'files' | 'pieceLayers'>

export interface CheckInput {
  candidates: readonly number[]
  meta: CheckedMeta
  hasher: Hasher
  /** The piece's bytes, or null when they are not all on disk. */
  readPiece: (index: number) => Promise<Uint8Array | null>
  readsAhead: number
  onProgress?: (checked: number, total: number) => void
  /** Stop early (the torrent was removed while checking). */
  cancelled?: () => boolean
}

/** The candidates whose data is on disk and hashes right. */
export async function checkPieces(o: CheckInput): Promise<number[]> {
  const verifier = pieceVerifierFor(o.meta, o.hasher)
  const good: number[] = []
  let next = 0
  let checked = 0
  const worker = async (): Promise<void> => {
    while (next < o.candidates.length && !o.cancelled?.()) {
      const index = o.candidates[next++]!
      const data = verifier.canVerify(index) ? await o.readPiece(index) : null
      if (data && (await verifier.verify(index, data)).good) good.push(index)
      o.onProgress?.(++checked, o.candidates.length)
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, o.readsAhead) }, worker))
  return good.sort((a, b) => a - b)
}
