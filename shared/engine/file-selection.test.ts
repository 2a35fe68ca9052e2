import { describe, expect, it } from 'vitest'
import { piecePriorities } from './file-selection.ts'

// Three files over 10-byte pieces: a = [0, 25), b = [25, 30), empty c at 30, d = [30, 47).
const files = [
  { offset: 0, length: 25 },
  { offset: 25, length: 5 },
  { offset: 30, length: 0 },
  { offset: 30, length: 17 },
]

describe('piecePriorities', () => {
  it.each<[string, number[], number[]]>([
    ['everything', [0, 1, 2, 3], [1, 1, 1, 1, 1]],
    ['the first file only', [0], [1, 1, 1, 0, 0]],
    ['a small file inside a shared piece', [1], [0, 0, 1, 0, 0]],
    ['an empty file fetches nothing', [2], [0, 0, 0, 0, 0]],
    ['the last file', [3], [0, 0, 0, 1, 1]],
    ['an unknown index is ignored', [9], [0, 0, 0, 0, 0]],
  ])('%s', (_name, chosen, expected) => {
    expect([...piecePriorities(files, 10, 5, chosen)]).toEqual(expected)
  })
})
