// Where a range of the torrent's byte space (all files concatenated, BEP 3) lands in its files.
// Pure arithmetic, shared by the browser's OPFS store and the Node peer's file store.

export interface FileSpan {
  fileIndex: number
  /** Offset inside that file. */
  fileOffset: number
  /** Offset inside the requested range. */
  rangeOffset: number
  length: number
}

/** Start offset of each file in the torrent's byte space, plus the total at the end. */
export function fileStarts(lengths: readonly number[]): number[] {
  const starts = [0]
  for (const len of lengths) starts.push(starts[starts.length - 1]! + len)
  return starts
}

/** The file pieces of [offset, offset+length). Zero-length files are skipped. Throws RangeError outside. */
export function spansOf(starts: readonly number[], offset: number, length: number): FileSpan[] {
  const total = starts[starts.length - 1]!
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > total) {
    throw new RangeError(`range ${offset}+${length} outside the torrent's ${total} bytes`)
  }
  const spans: FileSpan[] = []
  if (length === 0) return spans
  // Binary search for the last file starting at or before offset.
  let lo = 0
  let hi = starts.length - 2
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1
    if (starts[mid]! <= offset) lo = mid
    else hi = mid - 1
  }
  let at = offset
  const end = offset + length
  for (let i = lo; i < starts.length - 1 && at < end; i++) {
    const fileEnd = starts[i + 1]!
    if (fileEnd <= at) continue // zero-length file, or before the range
    const n = Math.min(fileEnd, end) - at
    spans.push({ fileIndex: i, fileOffset: at - starts[i]!, rangeOffset: at - offset, length: n })
    at += n
  }
  return spans
}

/** Pieces that overlap file `fileIndex` (first..last inclusive), or null for an empty file. */
export function piecesOfFile(starts: readonly number[], fileIndex: number, pieceLength: number): [number, number] | null {
  const s = starts[fileIndex]!
  const e = starts[fileIndex + 1]!
  if (e === s) return null
  return [Math.floor(s / pieceLength), Math.floor((e - 1) / pieceLength)]
}
