// The v2 file tree (BEP 52): nested dicts, one per path segment, a file being a dict whose only key
// is "" holding its properties (length, pieces root, attr). Walked without recursion (a hostile tree
// may nest as deep as the bencode limit allows), in the order of the dict as written, as libtorrent
// does, bounded in depth (maxPathSegments), files (maxFiles) and nodes (maxFileTreeNodes).
//
// v2 files are piece-aligned: each non-empty file starts a piece. The alignment gaps become BEP 47
// padding files (".pad/<n>") after every file that does not end on a piece boundary, the last one
// included, exactly where libtorrent (2.0.8+) places them, so a hybrid's v1 list can be compared
// entry by entry and every consumer maps offsets the same way for every version.

import { MetainfoError } from '../errors.ts'
import { fromBinaryString } from '../bytes.ts'
import { isBytes, isDict } from '../bencode/index.ts'
import type { BDict, BValue } from '../bencode/index.ts'
import { attrOf, nonNegativeLength, text } from './info-fields.ts'
import { assertSafePath, showPath } from './validate-path.ts'
import { assertDistinctPaths } from './files-v1.ts'
import { metainfoLimits } from './types.ts'
import type { TorrentFile } from './types.ts'

const ROOT_SIZE = 32

/** A file as the tree states it, before alignment. */
export interface TreeFile {
  path: string[]
  length: number
  piecesRoot?: Uint8Array
  attr?: string
}

function segmentOf(key: string, parent: readonly string[]): string {
  const segment = text(fromBinaryString(key), `file tree entry ${showPath([...parent, key])}`)
  if (segment === '') throw new MetainfoError(`file tree ${showPath(parent)} has an empty key outside a file's properties`)
  return segment
}

function readLeaf(props: BValue, path: string[]): TreeFile {
  const what = `file ${showPath(path)}`
  if (!isDict(props)) throw new MetainfoError(`${what}: its "" entry should be a dict`)
  const attr = attrOf(props)
  // BEP 52 aligns files itself: a pad file in a file tree can only be a lie about the layout.
  if (attr?.includes('p')) throw new MetainfoError(`${what} is marked as a padding file, which a v2 file tree must not hold`)
  // libtorrent gives symlinks no bytes whatever their length says: they take no room in the pieces.
  const length = attr?.includes('l') ? 0 : nonNegativeLength(props, 'length', what)
  const file: TreeFile = { path, length }
  if (attr !== undefined) file.attr = attr
  if (length > 0) {
    const root = props.get('pieces root')
    if (!isBytes(root) || root.length !== ROOT_SIZE) throw new MetainfoError(`${what} has no 32-byte pieces root`)
    if (root.every((b) => b === 0)) throw new MetainfoError(`${what} has an all-zero pieces root`)
    file.piecesRoot = root
  }
  return file
}

function isLeaf(node: BDict): boolean {
  return node.size === 1 && node.has('')
}

/**
 * The files of a `file tree`, in tree order, their paths below the torrent's name. (A tree whose only
 * entry is a file is a single-file torrent named by that key: the same path, [key], either way.)
 */
export function readFileTree(tree: BDict): TreeFile[] {
  if (tree.has('')) throw new MetainfoError('the file tree root is a file (BEP 52: it must be a directory)')
  const files: TreeFile[] = []
  let nodes = 0
  const stack: { node: BDict; path: string[]; keys: IterableIterator<[string, BValue]> }[] = [{ node: tree, path: [], keys: tree.entries() }]
  while (stack.length > 0) {
    const frame = stack[stack.length - 1]!
    const next = frame.keys.next()
    if (next.done === true) {
      stack.pop()
      continue
    }
    const [key, child] = next.value
    const path = [...frame.path, segmentOf(key, frame.path)]
    if (++nodes > metainfoLimits.maxFileTreeNodes) throw new MetainfoError(`the file tree has more than ${metainfoLimits.maxFileTreeNodes} entries`)
    if (path.length > metainfoLimits.maxPathSegments) {
      throw new MetainfoError(`the file tree nests deeper than ${metainfoLimits.maxPathSegments} path segments`)
    }
    if (!isDict(child)) throw new MetainfoError(`file tree entry ${showPath(path)} should be a dict`)
    if (isLeaf(child)) {
      assertSafePath(path, `file ${showPath(path)}`)
      files.push(readLeaf(child.get('')!, path))
      if (files.length > metainfoLimits.maxFiles) throw new MetainfoError(`the file tree has more than ${metainfoLimits.maxFiles} files`)
    } else {
      if (child.has('')) throw new MetainfoError(`file tree entry ${showPath(path)} mixes a file's properties with other entries`)
      // An empty directory holds no file: nothing to do (libtorrent skips it too).
      stack.push({ node: child, path, keys: child.entries() })
    }
  }
  if (files.length === 0) throw new MetainfoError('the file tree holds no file')
  return files
}

/** The tree's files laid out in pieces: offsets, and a padding file after each unaligned one. */
export function alignFiles(treeFiles: readonly TreeFile[], pieceLength: number): TorrentFile[] {
  const out: TorrentFile[] = []
  let offset = 0
  for (const f of treeFiles) {
    const file: TorrentFile = { path: f.path, length: f.length, offset, padding: false }
    if (f.attr !== undefined) file.attr = f.attr
    if (f.piecesRoot !== undefined) file.piecesRoot = f.piecesRoot
    out.push(file)
    offset += f.length
    const gap = offset % pieceLength
    if (f.length > 0 && gap !== 0) {
      const pad = pieceLength - gap
      out.push({ path: ['.pad', String(pad)], length: pad, offset, padding: true, attr: 'p' })
      offset += pad
    }
    if (!Number.isSafeInteger(offset)) throw new MetainfoError('the total length of the files is too large')
  }
  assertDistinctPaths(out)
  return out
}
