import { bytesEqual } from '../shared/bytes.ts'
import type { Hasher } from '../shared/engine/index.ts'

// Checking data already on disk (seeding existing files, resuming a download): read each candidate
// piece and compare its SHA-1 with the torrent's. A few pieces are read and hashed at once so the disk
// and the hasher (WebCrypto runs in Node's thread pool) overlap; memory is those few pieces.

export interface CheckInput {
  candidates: readonly number[]
  pieceHashes: Uint8Array
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
  const good: number[] = []
  let next = 0
  let checked = 0
  const worker = async (): Promise<void> => {
    while (next < o.candidates.length && !o.cancelled?.()) {
      const index = o.candidates[next++]!
      const data = await o.readPiece(index)
      if (data) {
        const digest = await o.hasher.sha1(data)
        if (bytesEqual(digest, o.pieceHashes.subarray(index * 20, index * 20 + 20))) good.push(index)
      }
      o.onProgress?.(++checked, o.candidates.length)
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, o.readsAhead) }, worker))
  return good.sort((a, b) => a - b)
}
