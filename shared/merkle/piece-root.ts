// The hash of one piece in a v2 torrent (BEP 52): the merkle root over the SHA-256 of each 16 KiB
// block of the file's bytes in that piece (the last block may be shorter; padding after the file's
// end is not hashed), with zero leaves up to `leafWidth` (FileTreeShape.pieceWidth). It is the piece
// layer's entry for the piece, or the file's pieces root when the file is one piece or less.
//
// The leaves go through `sha256` (the engine's Hasher port, WebCrypto in the tab: native speed for
// 16 KiB, and the digests of one piece run concurrently); the few interior nodes are synchronous.

import { HASH_SIZE, MERKLE_BLOCK_SIZE, layerRoot } from './merkle.ts'

export type Sha256 = (data: Uint8Array) => Promise<Uint8Array>

/** SHA-256 of each 16 KiB block of `data`, concatenated (the leaves under one piece). */
export async function blockHashes(data: Uint8Array, sha256: Sha256): Promise<Uint8Array> {
  const count = Math.ceil(data.length / MERKLE_BLOCK_SIZE)
  const digests = await Promise.all(Array.from({ length: count }, (_, i) => sha256(data.subarray(i * MERKLE_BLOCK_SIZE, (i + 1) * MERKLE_BLOCK_SIZE))))
  const out = new Uint8Array(count * HASH_SIZE)
  digests.forEach((d, i) => out.set(d, i * HASH_SIZE))
  return out
}

/** The merkle root of a piece's data (the file's bytes in it, 1 byte or more) over `leafWidth` leaves. */
export async function pieceRoot(data: Uint8Array, leafWidth: number, sha256: Sha256): Promise<Uint8Array> {
  if (data.length === 0 || data.length > leafWidth * MERKLE_BLOCK_SIZE) throw new RangeError(`pieceRoot: ${data.length} bytes under ${leafWidth} leaves`)
  return layerRoot(await blockHashes(data, sha256), leafWidth, 0)
}
