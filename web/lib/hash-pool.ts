import { HASH_SIZE } from '../../shared/merkle/index.ts'
import { V2PieceMap } from '../../shared/metainfo/v2-pieces.ts'
import type { TorrentFile } from '../../shared/metainfo/index.ts'
import { WEB_LIMITS } from './limits.ts'

// Hashing pieces in dedicated workers, several at once, read straight from a Blob (the dropped File
// objects concatenated in torrent order: a Blob of Files refers to them, it copies nothing). Why
// workers: the page stays responsive, and on a machine with several cores the pieces hash in parallel
// (WebCrypto's SHA-1 runs at ~1.3 GB/s on one core here; the disk read is the other half of the
// cost). Used for creating a torrent (shared/metainfo's `hashContent`) and for checking files
// against a torrent's hashes. For v2 and hybrid torrents (BEP 52) each piece also gets the SHA-256
// merkle root of its file's 16 KiB blocks (the piece layer's entry), from the same read.

export interface HashJob {
  id: number
  source: Blob
  pieceLength: number
  totalLength: number
  /** Pieces [from, to). */
  from: number
  to: number
  /** Expected SHA-1s of pieces [from, to) when checking; null when creating. */
  expected: Uint8Array | null
  /** SHA-1 of each piece (false for a v2-only torrent, which has none). */
  sha1: boolean
  /** v2 and hybrid: per piece of [from, to), its file's bytes in it and the leaves under its hash. */
  v2: { dataLengths: number[]; leafWidths: number[]; expected: Uint8Array | null } | null
}

export type HashReply =
  | { id: number; ok: true; hashes: Uint8Array; roots: Uint8Array | null; mismatched: number[] }
  | { id: number; ok: false; error: string; name: string }

export interface HashOptions {
  pieceLength: number
  /** Only these pieces (checking the missing part of a torrent); default all. */
  pieces?: readonly number[]
  /** Expected hashes of every piece of the torrent (20 bytes each): check instead of create. */
  expected?: Uint8Array
  /**
   * BEP 52: the torrent's files, piece-aligned (a v2 or hybrid layout, padding entries included):
   * each piece's merkle root is computed too, into `pieceRoots`.
   */
  v2Files?: readonly Pick<TorrentFile, 'length' | 'offset' | 'padding'>[]
  /** Expected merkle roots of every piece (32 bytes each): checked like `expected`. */
  expectedRoots?: Uint8Array
  /** SHA-1 of each piece; default true (a v2-only torrent has no SHA-1 to compute or check). */
  sha1?: boolean
  /** Stop at the first piece that does not match `expected` (the files are not the torrent's). */
  stopAtMismatch?: boolean
  signal?: AbortSignal
  /** Bytes hashed so far. */
  onProgress?: (doneBytes: number) => void
  workers?: number
}

export interface HashResult {
  /** SHA-1 of every piece hashed, at its index (20 bytes each; zeros for pieces not asked for). */
  pieces: Uint8Array
  /** With `v2Files`: the merkle root of every piece hashed (32 bytes each), else null. */
  pieceRoots: Uint8Array | null
  /** Pieces that did not match `expected`, in order. */
  mismatched: number[]
}

/** A piece did not match the torrent: the files given are not its files (or changed). */
export class MismatchError extends Error {
  override name = 'MismatchError'
  constructor(readonly piece: number) {
    super(`piece ${piece} does not match the torrent: these are not its files (or they changed)`)
  }
}

/** The v2 part of a job: where each piece's file data ends, its leaf count, its expected roots. */
function v2Job(map: V2PieceMap, from: number, to: number, expectedRoots?: Uint8Array): NonNullable<HashJob['v2']> {
  const dataLengths: number[] = []
  const leafWidths: number[] = []
  for (let i = from; i < to; i++) {
    const p = map.piece(i)
    dataLengths.push(p.dataLength)
    leafWidths.push(p.leafWidth)
  }
  return { dataLengths, leafWidths, expected: expectedRoots ? expectedRoots.slice(from * HASH_SIZE, to * HASH_SIZE) : null }
}

function workerCount(asked?: number): number {
  const cores = globalThis.navigator?.hardwareConcurrency || 2
  return Math.max(1, Math.min(asked ?? cores, WEB_LIMITS.maxHashWorkers))
}

/** Runs of consecutive pieces, each of about hashJobBytes. */
function jobRanges(pieces: readonly number[], pieceLength: number): [number, number][] {
  const per = Math.max(1, Math.floor(WEB_LIMITS.hashJobBytes / pieceLength))
  const out: [number, number][] = []
  let start = -1
  let prev = -2
  for (const p of pieces) {
    if (p !== prev + 1 || p - start >= per) {
      if (start >= 0) out.push([start, prev + 1])
      start = p
    }
    prev = p
  }
  if (start >= 0) out.push([start, prev + 1])
  return out
}

/**
 * SHA-1 (and with `v2Files` the merkle root) of the pieces of `source` (a torrent's whole byte range, padding included). Rejects with an AbortError when
 * `signal` aborts (the workers are terminated at once), with MismatchError on the first bad piece
 * when `stopAtMismatch`, or with the read error of a file that changed or vanished.
 */
export async function hashPieces(source: Blob, options: HashOptions): Promise<HashResult> {
  const { pieceLength } = options
  const totalLength = source.size
  const pieceCount = Math.ceil(totalLength / pieceLength)
  const wanted = options.pieces ?? Array.from({ length: pieceCount }, (_, i) => i)
  const ranges = jobRanges(wanted, pieceLength)
  const v2 = options.v2Files ? new V2PieceMap(options.v2Files, pieceLength) : null
  const sha1 = options.sha1 ?? true
  const result: HashResult = { pieces: new Uint8Array(sha1 ? pieceCount * 20 : 0), pieceRoots: v2 ? new Uint8Array(pieceCount * HASH_SIZE) : null, mismatched: [] }
  if (ranges.length === 0) return result
  options.signal?.throwIfAborted()

  const workers = Array.from({ length: Math.min(workerCount(options.workers), ranges.length) }, () => new Worker(new URL('./hash-worker.ts', import.meta.url), { type: 'module', name: 'swarmdrop-hash' }))
  let nextRange = 0
  let nextId = 1
  let done = 0
  /** Each worker's jobs in the order it answers them (one at a time, in order). */
  const queued = new Map(workers.map((w) => [w, [] as [number, number][]]))
  try {
    await new Promise<void>((resolve, reject) => {
      let settled = false
      let inFlight = 0
      const fail = (err: unknown) => {
        if (settled) return
        settled = true
        reject(err)
      }
      const abort = () => fail(options.signal?.reason ?? new DOMException('cancelled', 'AbortError'))
      options.signal?.addEventListener('abort', abort, { once: true })
      const lengthOf = (i: number) => Math.min(pieceLength, totalLength - i * pieceLength)
      const feed = (w: Worker) => {
        if (settled || nextRange >= ranges.length) return
        const [from, to] = ranges[nextRange++]!
        const expected = sha1 && options.expected ? options.expected.slice(from * 20, to * 20) : null
        inFlight++
        w.postMessage({ id: nextId++, source, pieceLength, totalLength, from, to, expected, sha1, v2: v2 ? v2Job(v2, from, to, options.expectedRoots) : null } satisfies HashJob)
        queued.get(w)!.push([from, to])
      }
      for (const w of workers) {
        w.onmessage = (e: MessageEvent<HashReply>) => {
          const r = e.data
          const [from, to] = queued.get(w)!.shift()!
          inFlight--
          if (!r.ok) return fail(new DOMException(r.error, r.name))
          if (sha1) result.pieces.set(r.hashes, from * 20)
          if (r.roots) result.pieceRoots!.set(r.roots, from * HASH_SIZE)
          result.mismatched.push(...r.mismatched)
          for (let i = from; i < to; i++) done += lengthOf(i)
          options.onProgress?.(done)
          if (r.mismatched.length > 0 && options.stopAtMismatch) return fail(new MismatchError(Math.min(...r.mismatched)))
          feed(w)
          if (inFlight === 0 && nextRange >= ranges.length && !settled) {
            settled = true
            options.signal?.removeEventListener('abort', abort)
            resolve()
          }
        }
        w.onerror = (e) => fail(new Error(`hash worker failed: ${e.message || 'its script did not load'}`))
        for (let k = 0; k < WEB_LIMITS.hashJobsPerWorker; k++) feed(w)
      }
    })
  } finally {
    for (const w of workers) w.terminate()
  }
  result.mismatched.sort((a, b) => a - b)
  return result
}
