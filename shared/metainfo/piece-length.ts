// Piece length: bounds for parsing and the automatic choice for creating torrents.

import { metainfoLimits } from './types.ts'
import type { TorrentInfo } from './types.ts'

export const MIN_AUTO_PIECE_LENGTH = 16 * 1024 // one request block (BEP 3 clients ask 16 KiB)
export const MAX_AUTO_PIECE_LENGTH = 16 * 1024 * 1024
// Enough pieces for a swarm to spread work across peers, few enough that the .torrent (20 bytes a
// piece) and the bitfield stay small: the automatic rule lands between 1000 and 2000 pieces.
export const TARGET_MAX_PIECES = 2000

/**
 * The automatic piece length for `totalLength` bytes: the smallest power of two between 16 KiB
 * and 16 MiB that gives at most 2000 pieces. So anything above 16 KiB * 2000 (~31 MiB) gets
 * 1001..2000 pieces, small content gets 16 KiB pieces (fewer than 1000 of them), and content above
 * 16 MiB * 2000 (~31 GiB) gets 16 MiB pieces (more than 2000 of them).
 */
export function autoPieceLength(totalLength: number): number {
  let p = MIN_AUTO_PIECE_LENGTH
  while (p < MAX_AUTO_PIECE_LENGTH && Math.ceil(totalLength / p) > TARGET_MAX_PIECES) p *= 2
  return p
}

/** True for the piece lengths parsing accepts (see metainfoLimits). */
export function isSanePieceLength(n: number): boolean {
  return Number.isSafeInteger(n) && n >= metainfoLimits.minPieceLength && n <= metainfoLimits.maxPieceLength
}

/** True for the piece lengths creation accepts: a power of two in the parsing range. */
export function isCreatablePieceLength(n: number): boolean {
  return isSanePieceLength(n) && (n & (n - 1)) === 0
}

/** BEP 52: a v2 (or hybrid) piece length is a power of two of at least one 16 KiB merkle block. */
export function isV2PieceLength(n: number): boolean {
  return isSanePieceLength(n) && n >= 16 * 1024 && (n & (n - 1)) === 0
}

/** Length of piece `index`: pieceLength, except the last piece, which holds the remainder. */
export function pieceLengthOf(info: Pick<TorrentInfo, 'length' | 'pieceLength' | 'pieceCount'>, index: number): number {
  if (!Number.isInteger(index) || index < 0 || index >= info.pieceCount) {
    throw new RangeError(`piece ${index} is out of range (0..${info.pieceCount - 1})`)
  }
  if (index < info.pieceCount - 1) return info.pieceLength
  return info.length - info.pieceLength * (info.pieceCount - 1)
}
