// BEP 52 hash requests as tree arithmetic: which nodes a request names, which uncle hashes prove them,
// and the node a `hashes` answer climbs to. A node is (level above the leaves, position in that level).
//
// A request (base layer b, index i, length n, proof layers p) asks for n nodes of level b from i, and
// the uncles that prove them: the base nodes hash up (padded to a power of two, k = log2(nextPow2(n))
// levels) to one subtree root, and each uncle is the sibling of that root or of one of its ancestors,
// at the levels b+k .. b+p. libtorrent counts them so (`max(0, p - (k - 1))`, the wire codec's
// proofHashCount), and requests with i aligned to nextPow2(n), which is what makes the base nodes one
// subtree: we ask only such requests and answer only such requests.

import { hashPair, layerRoot, log2, nextPowerOfTwo } from './merkle.ts'

/** The request's tree fields (the pieces root names the file; the wire header carries it). */
export interface TreeRequest {
  baseLayer: number
  index: number
  length: number
  proofLayers: number
}

export interface TreeNode {
  level: number
  position: number
}

/** Levels of a file's tree above its leaves: log2 of its leaf count (0 for a one-block file). */
export function treeHeight(blocks: number): number {
  return log2(nextPowerOfTwo(blocks))
}

/**
 * Whether a request fits the tree of a file of `blocks` 16 KiB blocks, as libtorrent checks it
 * (`validate_hash_request`): base below the root, the nodes inside their level, proof layers below the
 * root; and, beyond libtorrent, the index aligned to the base nodes' subtree (every real request is).
 */
export function fitsTree(r: TreeRequest, blocks: number): boolean {
  const height = treeHeight(blocks)
  if (r.length < 1 || r.baseLayer < 0 || r.index < 0 || r.proofLayers < 0) return false
  if (r.baseLayer >= height || r.proofLayers >= height - r.baseLayer) return false
  const levelSize = 2 ** (height - r.baseLayer)
  if (r.index >= levelSize || r.index + r.length > levelSize) return false
  return r.index % nextPowerOfTwo(r.length) === 0
}

/** Levels the base nodes span up to their subtree root: log2(nextPow2(length)). */
function subtreeLevels(length: number): number {
  return log2(nextPowerOfTwo(length))
}

/** The uncle nodes a request's answer carries after its base nodes, nearest first. */
export function uncleNodes(r: TreeRequest): TreeNode[] {
  const out: TreeNode[] = []
  for (let rel = subtreeLevels(r.length); rel <= r.proofLayers; rel++) {
    out.push({ level: r.baseLayer + rel, position: Math.floor(r.index / 2 ** rel) ^ 1 })
  }
  return out
}

/** The base nodes a request names. */
export function baseNodes(r: TreeRequest): TreeNode[] {
  return Array.from({ length: r.length }, (_, i) => ({ level: r.baseLayer, position: r.index + i }))
}

/**
 * The node an answer proves: the base hashes (32 bytes each, `length` of them) hashed up to their
 * subtree root, then climbed with each uncle. Compare it with a node already trusted at that place
 * (the file's pieces root, or a piece's hash from its piece layer).
 */
export function provenNode(r: TreeRequest, base: Uint8Array, uncles: Uint8Array): TreeNode & { hash: Uint8Array } {
  const k = subtreeLevels(r.length)
  let hash = layerRoot(base, 2 ** k, r.baseLayer)
  let level = r.baseLayer + k
  let position = r.index / 2 ** k
  for (let at = 0; at < uncles.length; at += 32) {
    const uncle = uncles.subarray(at, at + 32)
    hash = position % 2 === 0 ? hashPair(hash, uncle) : hashPair(uncle, hash)
    position = Math.floor(position / 2)
    level++
  }
  return { level, position, hash }
}

/** The hash of a node right of a file's last block at `level`: the root of all-zero leaves. */
export function isPastEnd(node: TreeNode, blocks: number): boolean {
  return node.position * 2 ** node.level >= blocks
}
