import { describe, expect, it } from 'vitest'
import type { FileView } from '../lib/torrent-view.ts'
import { fileTree, previewKind, visibleRows } from './file-tree.ts'

const file = (path: string, length: number, have = 0, index = 0): FileView => ({ index, path: path.split('/'), length, have, priority: 'normal', done: have === length })

describe('fileTree', () => {
  const files = [file('b.txt', 10, 10, 0), file('cd1/track2.flac', 100, 50, 1), file('cd1/track1.flac', 100, 0, 2), file('cd1/art/cover.jpg', 5, 5, 3)]

  it('puts folders first with their sizes and progress summed', () => {
    const tree = fileTree(files)
    expect(tree.map((n) => n.name)).toEqual(['cd1', 'b.txt'])
    const cd1 = tree[0]!
    expect(cd1).toMatchObject({ kind: 'folder', length: 205, have: 55 })
    expect(cd1.kind === 'folder' && cd1.children.map((c) => c.name)).toEqual(['art', 'track1.flac', 'track2.flac'])
  })

  it('lists rows in order and hides collapsed folders’ insides', () => {
    const tree = fileTree(files)
    expect(visibleRows(tree, new Set()).map((n) => n.key)).toEqual(['cd1', 'cd1/art', 'cd1/art/cover.jpg', 'cd1/track1.flac', 'cd1/track2.flac', 'b.txt'])
    expect(visibleRows(tree, new Set(['cd1'])).map((n) => n.key)).toEqual(['cd1', 'b.txt'])
  })

  it('knows which files a page can preview', () => {
    expect(previewKind('movie.MP4')).toBe('video')
    expect(previewKind('song.flac')).toBe('audio')
    expect(previewKind('cover.jpg')).toBe('image')
    expect(previewKind('notes.txt')).toBe('text')
    expect(previewKind('disk.iso')).toBeNull()
    expect(previewKind('README')).toBeNull()
  })
})
