/**
 * Piece priorities for a file selection: 1 for every piece that holds a byte of a chosen file, 0 for
 * the rest (never fetched). A piece shared by a chosen and an unchosen file is fetched whole, since
 * pieces are verified whole.
 */
export function piecePriorities(
  files: readonly { length: number; offset: number }[],
  pieceLength: number,
  pieceCount: number,
  chosen: Iterable<number>,
): Uint8Array {
  const out = new Uint8Array(pieceCount)
  for (const i of new Set(chosen)) {
    const f = files[i]
    if (!f || f.length === 0) continue
    const first = Math.floor(f.offset / pieceLength)
    const last = Math.min(pieceCount - 1, Math.floor((f.offset + f.length - 1) / pieceLength))
    out.fill(1, first, last + 1)
  }
  return out
}
