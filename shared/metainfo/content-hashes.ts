// The default content hashing of a torrent plan: every file streamed once, in order, with one piece
// in memory. v1: SHA-1 per piece over the files concatenated (PieceHasher). v2 and hybrid: files are
// piece-aligned, so a piece is one file's bytes; each gets its merkle root over 16 KiB leaves
// (BEP 52) and, for a hybrid, the SHA-1 of the same bytes followed by the padding's zeros.

import { MetainfoError } from '../errors.ts'
import { sha1, sha256 } from '../hash.ts'
import { HASH_SIZE, fileTreeShape, pieceRoot } from '../merkle/index.ts'
import { PieceHasher } from './piece-hasher.ts'
import { showPath } from './validate-path.ts'
import type { CreateInput, TorrentPlan } from './create-plan.ts'

/** What hashing the content yields for the info dict. */
export interface ContentHashes {
  /** v1 and hybrid: SHA-1 of every piece, concatenated (20 bytes each, BEP 3). */
  pieces?: Uint8Array
  /**
   * v2 and hybrid: the merkle root of every piece's 16 KiB leaves (32 bytes each, `pieceRoot` in
   * shared/merkle): the piece layer's entries, or the pieces root of a file of one piece.
   */
  pieceRoots?: Uint8Array
}

/** A file's chunks, checked against its stated length (a file that changes while hashed is an error). */
async function* chunksOf(f: CreateInput): AsyncIterable<Uint8Array> {
  let got = 0
  for await (const chunk of f.stream()) {
    got += chunk.length
    if (got > f.length) throw new MetainfoError(`file ${showPath(f.path)} is longer than its stated ${f.length} bytes (changed while hashing?)`)
    yield chunk
  }
  if (got !== f.length) throw new MetainfoError(`file ${showPath(f.path)} gave ${got} bytes, not its stated ${f.length} (changed while hashing?)`)
}

async function v1Hashes(plan: TorrentPlan, onProgress?: (hashedBytes: number) => void): Promise<ContentHashes> {
  const hasher = new PieceHasher(plan.pieceLength, onProgress)
  for (const f of plan.files) for await (const chunk of chunksOf(f)) await hasher.update(chunk)
  return { pieces: await hasher.finish() }
}

async function v2Hashes(plan: TorrentPlan, onProgress?: (hashedBytes: number) => void): Promise<ContentHashes> {
  const { pieceLength } = plan
  const hybrid = plan.metaVersion === 'hybrid'
  const roots = new Uint8Array(plan.pieceCount * HASH_SIZE)
  const pieces = hybrid ? new Uint8Array(plan.pieceCount * 20) : null
  const piece = new Uint8Array(pieceLength)
  let index = 0
  let hashed = 0
  for (const entry of plan.layout) {
    if (entry.padding || entry.input === null || entry.length === 0) continue
    const width = fileTreeShape(entry.length, pieceLength).pieceWidth
    let filled = 0
    const flush = async (): Promise<void> => {
      roots.set(await pieceRoot(piece.subarray(0, filled), width, sha256), index * HASH_SIZE)
      if (pieces !== null) {
        // The v1 piece is the same bytes and the padding after them: zeros up to the piece's end,
        // or up to the torrent's end when nothing pads the last file (a single-file hybrid).
        const v1Length = Math.min(pieceLength, plan.totalLength - index * pieceLength)
        piece.fill(0, filled, v1Length)
        pieces.set(await sha1(piece.subarray(0, v1Length)), index * 20)
      }
      hashed += filled
      onProgress?.(hashed)
      index++
      filled = 0
    }
    for await (const chunk of chunksOf(entry.input)) {
      for (let at = 0; at < chunk.length; ) {
        const n = Math.min(pieceLength - filled, chunk.length - at)
        piece.set(chunk.subarray(at, at + n), filled)
        filled += n
        at += n
        if (filled === pieceLength) await flush()
      }
    }
    if (filled > 0) await flush()
  }
  if (index !== plan.pieceCount) throw new Error(`hashed ${index} pieces of ${plan.pieceCount}`)
  return pieces === null ? { pieceRoots: roots } : { pieces, pieceRoots: roots }
}

/** The default content hashing: every file streamed, in order, one piece in memory. */
export async function streamPieceHashes(plan: TorrentPlan, onProgress?: (hashedBytes: number) => void): Promise<ContentHashes> {
  return plan.metaVersion === 1 ? v1Hashes(plan, onProgress) : v2Hashes(plan, onProgress)
}
