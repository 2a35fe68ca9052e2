import { describe, expect, it } from 'vitest'
import { piecePriorities, piecePrioritiesOf } from './file-selection.ts'

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

describe('piecePrioritiesOf', () => {
  it.each<[string, number[], number[]]>([
    ['all normal (missing entries too)', [], [1, 1, 1, 1, 1]],
    ['skip the first file: its shared piece stays for b', [0, 1, 1, 1], [0, 0, 1, 1, 1]],
    ['a high small file lifts its shared piece only', [1, 2, 1, 1], [1, 1, 2, 1, 1]],
    ['skip everything', [0, 0, 0, 0], [0, 0, 0, 0, 0]],
    ['out-of-range values are clamped', [9, -3, 1, 1], [2, 2, 2, 1, 1]],
  ])('%s', (_name, priorities, expected) => {
    expect([...piecePrioritiesOf(files, 10, 5, priorities)]).toEqual(expected)
  })
})
