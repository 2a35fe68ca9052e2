import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { createHash } from 'node:crypto'
import { toHex } from '../bytes.ts'
import { fileTreeShape, hashPair, joinHashes, layerRoot, nextPowerOfTwo, padHash, pieceHashFromLeaves, rootFromPieceLayer } from './index.ts'

const sha256 = (...parts: Uint8Array[]): Uint8Array => {
  const h = createHash('sha256')
  for (const p of parts) h.update(p)
  return new Uint8Array(h.digest())
}

/** The textbook tree, every node computed: leaves padded with zero hashes to a power of two. */
function naiveRoot(leaves: Uint8Array[], width: number): Uint8Array {
  let layer = [...leaves]
  while (layer.length < width) layer.push(new Uint8Array(32))
  while (layer.length > 1) {
    const up: Uint8Array[] = []
    for (let i = 0; i < layer.length; i += 2) up.push(sha256(layer[i]!, layer[i + 1]!))
    layer = up
  }
  return layer[0]!
}

const leaf = (i: number): Uint8Array => sha256(new Uint8Array([i & 0xff, i >> 8]))

describe('merkle trees (BEP 52)', () => {
  it('hashes a pair as SHA-256 of both, and pads with the roots of all-zero subtrees', () => {
    const a = leaf(1)
    const b = leaf(2)
    expect(toHex(hashPair(a, b))).toBe(toHex(sha256(a, b)))
    expect(padHash(0)).toEqual(new Uint8Array(32))
    expect(toHex(padHash(3))).toBe(toHex(naiveRoot([], 8)))
  })

  it('layerRoot equals the textbook tree for any leaf count and width', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 70 }), fc.integer({ min: 0, max: 2 }), (count, extra) => {
        const leaves = Array.from({ length: count }, (_, i) => leaf(i))
        const width = nextPowerOfTwo(count) * 2 ** extra
        expect(toHex(layerRoot(joinHashes(leaves), width, 0))).toBe(toHex(naiveRoot(leaves, width)))
      }),
    )
  })

  it('a piece layer hashes to the same root as the leaves below it', () => {
    // A 9-block file in 4-block pieces: 3 pieces, the last holding one block and three zero leaves.
    const leaves = Array.from({ length: 9 }, (_, i) => leaf(i))
    const shape = fileTreeShape(9 * 16384 - 100, 4 * 16384)
    expect(shape).toMatchObject({ blocks: 9, leafWidth: 16, pieces: 3, pieceHeight: 2, hasPieceLayer: true, pieceWidth: 4 })
    const layer = joinHashes([0, 4, 8].map((at) => pieceHashFromLeaves(joinHashes(leaves.slice(at, at + 4)), shape)))
    expect(toHex(rootFromPieceLayer(layer, shape))).toBe(toHex(naiveRoot(leaves, 16)))
  })

  it('a file of one piece or less has no piece layer: its leaves hash straight to its root', () => {
    const shape = fileTreeShape(3 * 16384, 8 * 16384)
    expect(shape).toMatchObject({ blocks: 3, leafWidth: 4, pieces: 1, hasPieceLayer: false, pieceWidth: 4 })
    const leaves = [leaf(1), leaf(2), leaf(3)]
    expect(toHex(pieceHashFromLeaves(joinHashes(leaves), shape))).toBe(toHex(naiveRoot(leaves, 4)))
    expect(fileTreeShape(5, 16384)).toMatchObject({ blocks: 1, leafWidth: 1, pieceWidth: 1, hasPieceLayer: false })
  })

  it('refuses layers that do not fit', () => {
    expect(() => layerRoot(new Uint8Array(33), 2, 0)).toThrow(RangeError)
    expect(() => layerRoot(new Uint8Array(96), 2, 0)).toThrow(RangeError)
    expect(() => layerRoot(new Uint8Array(64), 3, 0)).toThrow(RangeError)
    expect(() => rootFromPieceLayer(new Uint8Array(64), fileTreeShape(100_000, 16384))).toThrow(RangeError)
    expect(() => fileTreeShape(0, 16384)).toThrow(RangeError)
    expect(() => fileTreeShape(10, 8192)).toThrow(RangeError)
  })
})
