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

/** File priorities (BEP 3 says nothing of them; libtorrent's scale reduced to three steps). */
export const FILE_PRIORITY = { skip: 0, normal: 1, high: 2 } as const

/**
 * Piece priorities from a priority per file (0 skip, 1 normal, 2 high; a missing entry is normal):
 * each piece takes the highest priority of the files it holds bytes of, since it is verified whole.
 */
export function piecePrioritiesOf(
  files: readonly { length: number; offset: number }[],
  pieceLength: number,
  pieceCount: number,
  filePriorities: readonly number[],
): Uint8Array {
  const out = new Uint8Array(pieceCount)
  files.forEach((f, i) => {
    const p = Math.max(0, Math.min(FILE_PRIORITY.high, Math.floor(filePriorities[i] ?? FILE_PRIORITY.normal)))
    if (f.length === 0 || p === 0) return
    const first = Math.floor(f.offset / pieceLength)
    const last = Math.min(pieceCount - 1, Math.floor((f.offset + f.length - 1) / pieceLength))
    for (let k = first; k <= last; k++) if (out[k]! < p) out[k] = p
  })
  return out
}
