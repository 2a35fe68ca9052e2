import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { toHex } from '../bytes.ts'
import { proofHashCount } from '../wire/hash-messages.ts'
import { fitsTree, hashPair, joinHashes, padHash, provenNode, sha256Sync, treeHeight, uncleNodes, type TreeNode } from './index.ts'

// Hash request arithmetic (BEP 52 as libtorrent counts it) against a fully built tree.

/** Every level of a file's tree, padded: levels[h][j] is node (h, j). */
function fullTree(blocks: number): Uint8Array[][] {
  const height = treeHeight(blocks)
  const leaves = Array.from({ length: 2 ** height }, (_, i) => (i < blocks ? sha256Sync(new Uint8Array([i & 255, i >> 8, 7])) : padHash(0)))
  const levels = [leaves]
  for (let h = 1; h <= height; h++) {
    const below = levels[h - 1]!
    levels.push(Array.from({ length: below.length / 2 }, (_, j) => hashPair(below[2 * j]!, below[2 * j + 1]!)))
  }
  return levels
}

const at = (tree: Uint8Array[][], n: TreeNode) => tree[n.level]![n.position]!

describe('hash request proofs', () => {
  it('any request that fits: the base nodes and their uncles prove out to the root, uncles counted as the wire does', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 300 }), fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 10 }), (blocks, pick, lenLog, base) => {
        const tree = fullTree(blocks)
        const height = tree.length - 1
        const b = base % height
        const levelSize = 2 ** (height - b)
        const length = Math.min(2 ** (lenLog % (height - b + 1)), levelSize)
        const index = (pick % (levelSize / length)) * length
        const r = { baseLayer: b, index, length, proofLayers: height - b - 1 }
        expect(fitsTree(r, blocks)).toBe(true)
        const uncles = uncleNodes(r)
        expect(uncles).toHaveLength(proofHashCount(length, r.proofLayers))
        const base_ = joinHashes(Array.from({ length }, (_, i) => tree[b]![index + i]!))
        const proven = provenNode(r, base_, joinHashes(uncles.map((n) => at(tree, n))))
        expect(proven).toMatchObject({ level: height, position: 0 })
        expect(toHex(proven.hash)).toBe(toHex(tree[height]![0]!))
      }),
      { numRuns: 300 },
    )
  })

  it('a proof up to a piece: the leaves of piece 5 (4 blocks) lead to its node at level 2', () => {
    const tree = fullTree(40)
    const r = { baseLayer: 0, index: 20, length: 2, proofLayers: 1 }
    const proven = provenNode(r, joinHashes([tree[0]![20]!, tree[0]![21]!]), joinHashes(uncleNodes(r).map((n) => at(tree, n))))
    expect(proven).toMatchObject({ level: 2, position: 5 })
    expect(toHex(proven.hash)).toBe(toHex(tree[2]![5]!))
  })

  it('refuses requests that do not fit the tree (libtorrent validate_hash_request, plus alignment)', () => {
    const blocks = 40 // 64 leaves, height 6
    expect(fitsTree({ baseLayer: 6, index: 0, length: 1, proofLayers: 0 }, blocks)).toBe(false) // the root's level
    expect(fitsTree({ baseLayer: 0, index: 63, length: 2, proofLayers: 0 }, blocks)).toBe(false) // past the level
    expect(fitsTree({ baseLayer: 1, index: 0, length: 2, proofLayers: 5 }, blocks)).toBe(false) // proof beyond the root
    expect(fitsTree({ baseLayer: 0, index: 2, length: 4, proofLayers: 1 }, blocks)).toBe(false) // not aligned
    expect(fitsTree({ baseLayer: 0, index: 0, length: 2, proofLayers: 0 }, 1)).toBe(false) // one block: no tree
    expect(fitsTree({ baseLayer: 0, index: 60, length: 4, proofLayers: 5 }, blocks)).toBe(true) // pad leaves are fine
  })
})
