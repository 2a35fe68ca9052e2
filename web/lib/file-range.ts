import type { TorrentInfo } from '../../shared/metainfo/index.ts'
import type { PieceStore } from '../../shared/engine/ports.ts'

// Reading a byte range of one file of a torrent that may still be downloading (the stream service
// worker's chunks, previews): the pieces under the range are waited for (the caller's `waitFor`
// makes them the engine's deadline pieces and resolves once they are verified), then read from
// the store. A range is at most one stream chunk, so at most that much is in memory.

/** Pieces [first, last] that hold bytes [start, end) of file `fileIndex`. */
export function piecesOfRange(info: TorrentInfo, fileIndex: number, start: number, end: number): [number, number] {
  const file = info.files[fileIndex]
  if (!file || file.padding) throw new RangeError(`no file ${fileIndex}`)
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end > file.length || start >= end) throw new RangeError(`bad range ${start}..${end} of a ${file.length}-byte file`)
  return [Math.floor((file.offset + start) / info.pieceLength), Math.floor((file.offset + end - 1) / info.pieceLength)]
}

/** The pieces after byte `end` of a file, up to `bytes` further (a player's read-ahead), in order. */
export function readAheadPieces(info: TorrentInfo, fileIndex: number, end: number, bytes: number): number[] {
  const file = info.files[fileIndex]
  if (!file || end >= file.length) return []
  const [first, last] = piecesOfRange(info, fileIndex, end, Math.min(file.length, end + bytes))
  return Array.from({ length: last - first + 1 }, (_, k) => first + k)
}

/** A store that can read a file's range in one go (TorrentStore); null when it cannot. */
interface RangeReader extends PieceStore {
  readFileRange?(fileIndex: number, start: number, end: number, pieces: readonly number[]): Promise<Uint8Array | null>
}

export async function readFileRange(
  info: TorrentInfo,
  store: RangeReader,
  fileIndex: number,
  start: number,
  end: number,
  waitFor: (pieces: number[]) => Promise<void>,
): Promise<Uint8Array> {
  const [first, last] = piecesOfRange(info, fileIndex, start, end)
  const pieces = Array.from({ length: last - first + 1 }, (_, k) => first + k)
  await waitFor(pieces)
  // One read where the store can (a worker round trip per piece is slow on a busy page).
  const whole = await store.readFileRange?.(fileIndex, start, end, pieces)
  if (whole) return whole
  const base = info.files[fileIndex]!.offset
  const out = new Uint8Array(end - start)
  for (let p = first; p <= last; p++) {
    const pieceStart = p * info.pieceLength
    const from = Math.max(base + start, pieceStart)
    const to = Math.min(base + end, pieceStart + info.pieceLength, info.length)
    out.set(await store.read(p, from - pieceStart, to - from), from - base - start)
  }
  return out
}
