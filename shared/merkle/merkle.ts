// BEP 52 merkle trees: each file is hashed as a binary tree of SHA-256 digests whose leaves are the
// hashes of its 16 KiB blocks (the last block may be shorter). Leaves beyond the end of the file,
// needed to make the leaf count a power of two, are 32 zero bytes; so a subtree made only of such
// leaves has a fixed hash per height (`padHash`), which is how layers above the leaves are padded.
//
// Interior nodes hash 64 bytes each. WebCrypto's digest is asynchronous and costs 12-25 us a call
// here for so little input, @noble/hashes' synchronous SHA-256 about 2 us: trees (up to a million
// nodes for a big file's piece layer) are built with noble, while the 16 KiB leaves, where WebCrypto's
// native speed matters, go through the engine's Hasher port.

import { sha256 } from '@noble/hashes/sha2.js'

/** Bytes under one leaf (BEP 52). */
export const MERKLE_BLOCK_SIZE = 16384
/** A SHA-256 digest. */
export const HASH_SIZE = 32

/** An interior node: SHA-256 of its two children concatenated. */
export function hashPair(left: Uint8Array, right: Uint8Array): Uint8Array {
  return sha256.create().update(left).update(right).digest()
}

/** Synchronous SHA-256 of a small buffer (tests, proofs); bulk data goes through the Hasher port. */
export function sha256Sync(data: Uint8Array): Uint8Array {
  return sha256(data)
}

// padHashes[h] is the root of 2^h zero leaves. 64 levels cover any file a safe integer can size.
const padHashes: Uint8Array[] = [new Uint8Array(HASH_SIZE)]

/** Root of a subtree of 2^height all-zero leaves (height 0: the zero leaf itself). */
export function padHash(height: number): Uint8Array {
  if (!Number.isInteger(height) || height < 0 || height > 63) throw new RangeError(`pad hash height ${height} is out of range`)
  while (padHashes.length <= height) {
    const below = padHashes[padHashes.length - 1]!
    padHashes.push(hashPair(below, below))
  }
  return padHashes[height]!
}

/** The smallest power of two >= n (n >= 1). */
export function nextPowerOfTwo(n: number): number {
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`nextPowerOfTwo(${n})`)
  let p = 1
  while (p < n) p *= 2
  return p
}

/** log2 of a power of two. */
export function log2(powerOfTwo: number): number {
  let h = 0
  for (let p = powerOfTwo; p > 1; p /= 2) h++
  return h
}

/**
 * The root over `hashes` (concatenated 32-byte digests, at `height` above the leaves), the layer
 * padded with padHash(height) up to `width` entries (a power of two >= their count). Only nodes that
 * cover real hashes are computed; every node right of them is a pad hash of its height.
 */
export function layerRoot(hashes: Uint8Array, width: number, height: number): Uint8Array {
  const count = hashes.length / HASH_SIZE
  if (!Number.isInteger(count) || count < 1 || count > width || nextPowerOfTwo(width) !== width) {
    throw new RangeError(`layerRoot: ${hashes.length} bytes of hashes in a layer ${width} wide`)
  }
  let layer: Uint8Array[] = []
  for (let i = 0; i < count; i++) layer.push(hashes.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE))
  for (let w = width, h = height; w > 1; w /= 2, h++) {
    const up: Uint8Array[] = []
    for (let i = 0; i < layer.length; i += 2) up.push(hashPair(layer[i]!, layer[i + 1] ?? padHash(h)))
    layer = up
  }
  return layer[0]!
}

/** Concatenate 32-byte digests into one layer buffer. */
export function joinHashes(hashes: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(hashes.length * HASH_SIZE)
  hashes.forEach((h, i) => out.set(h, i * HASH_SIZE))
  return out
}
