import { piecesOfRange, readAheadPieces, readFileRange } from './file-range.ts'
import { WEB_LIMITS } from './limits.ts'
import type { Active } from './torrent-snapshot.ts'

// Reading a torrent's files while it downloads (the stream service worker and previews, through
// SwarmClient.readFile): a range waits for its pieces, and those pieces (then the read-ahead) become
// the engine's deadline, so the player's pieces come first and a seek moves them at once.

/** File `fileIndex` of a torrent: its name and length; null if there is no such file yet. */
export function streamFileOf(a: Active | undefined, fileIndex: number): { name: string; length: number } | null {
  const f = a?.info?.files[fileIndex]
  return f && !f.padding ? { name: f.path[f.path.length - 1]!, length: f.length } : null
}

/** Bytes [start, end) of a file of a running torrent: waits (up to streamWaitMs) for the pieces under the range. */
export function readStream(a: Active, fileIndex: number, start: number, end: number): Promise<Uint8Array> {
  const info = a.info
  if (!info || !a.engine) throw new Error('this torrent is not open here')
  return readFileRange(info, a.store, fileIndex, start, end, (pieces) => {
    // The deadline: this range (the playhead), its read-ahead, then what other reads still wait
    // for; the latest read leads, so a seek moves the deadline at once.
    const [, last] = piecesOfRange(info, fileIndex, start, end)
    const waiting = a.waiters.wait(pieces, (i) => a.store.available(i), WEB_LIMITS.streamWaitMs)
    a.deadline = [...pieces, ...readAheadPieces(info, fileIndex, end, WEB_LIMITS.streamReadAheadBytes).filter((i) => i > last), ...a.waiters.wanted()]
    pushDeadline(a)
    return waiting
  })
}

/** Hand the engine the most urgent pieces of the deadline still missing (it keeps a few at a time); after each verified piece too. */
export function pushDeadline(a: Active): void {
  if (a.deadline.length === 0 || !a.engine) return
  a.deadline = a.deadline.filter((i) => !a.store.available(i))
  a.engine.setDeadlines(a.deadline)
}
