// The v1 file list (BEP 3): `length` for a single file named by the torrent's name, or `files`, each
// with a `path` list below the name. Every path is safe (validate-path.ts) and no two files share a
// path; BEP 47 padding files (attr "p") are flagged and may share paths (".pad/16384").

import { MetainfoError } from '../errors.ts'
import { utf8 } from '../bytes.ts'
import { getList, isBytes, isDict, isList, keyPath } from '../bencode/index.ts'
import type { BDict, BValue } from '../bencode/index.ts'
import { attrOf, nonNegativeLength, text } from './info-fields.ts'
import { assertSafePath, showPath } from './validate-path.ts'
import { metainfoLimits } from './types.ts'
import type { TorrentFile } from './types.ts'

function pathSegments(d: BDict, where: string, what: string): string[] {
  const pick = (key: string): BValue[] | undefined => {
    const v = d.get(key)
    if (v === undefined) return undefined
    if (!isList(v)) throw new MetainfoError(`${what}: ${keyPath(where, key)} should be a list`)
    return v
  }
  let raw = pick('path.utf-8')
  let segments: string[] | null = null
  if (raw !== undefined && raw.every(isBytes)) {
    try {
      segments = raw.map((s) => utf8.decode(s as Uint8Array))
    } catch {
      segments = null
    }
  }
  if (segments === null) {
    raw = pick('path')
    if (raw === undefined) throw new MetainfoError(`${what}: ${keyPath(where, 'path')} is missing`)
    segments = raw.map((s, i) => {
      if (!isBytes(s)) throw new MetainfoError(`${what}: ${where}.path[${i}] should be a byte string`)
      return text(s, `${what}: ${where}.path[${i}]`)
    })
  }
  if (segments.length > metainfoLimits.maxPathSegments) {
    throw new MetainfoError(`${what} has ${segments.length} path segments (limit ${metainfoLimits.maxPathSegments})`)
  }
  return segments
}

function readFiles(list: BValue[]): TorrentFile[] {
  if (list.length === 0) throw new MetainfoError('info.files is empty')
  if (list.length > metainfoLimits.maxFiles) {
    throw new MetainfoError(`info.files has ${list.length} files (limit ${metainfoLimits.maxFiles})`)
  }
  const files: TorrentFile[] = []
  let offset = 0
  for (let i = 0; i < list.length; i++) {
    const entry = list[i]
    const where = `info.files[${i}]`
    if (!isDict(entry)) throw new MetainfoError(`${where} should be a dict`)
    const length = nonNegativeLength(entry, 'length', where)
    const path = pathSegments(entry, where, `file ${i}`)
    assertSafePath(path, `file ${i} ${showPath(path)}`)
    const attr = attrOf(entry)
    const file: TorrentFile = { path, length, offset, padding: attr?.includes('p') ?? false }
    if (attr !== undefined) file.attr = attr
    files.push(file)
    offset += length
    if (!Number.isSafeInteger(offset)) throw new MetainfoError('the total length of the files is too large')
  }
  assertDistinctPaths(files)
  return files
}

/** The v1 files of an info dict: its `files` list, or one file named `name` of `length` bytes. */
export function readV1Files(info: BDict, name: string): TorrentFile[] {
  const hasFiles = info.has('files')
  if (hasFiles && info.has('length')) throw new MetainfoError('info has both length and files')
  if (hasFiles) return readFiles(getList(info, 'files', MetainfoError, 'info'))
  if (!info.has('length')) throw new MetainfoError('info has neither length nor files')
  const file: TorrentFile = { path: [name], length: nonNegativeLength(info, 'length', 'info'), offset: 0, padding: false }
  const attr = attrOf(info)
  if (attr !== undefined) file.attr = attr
  return [file]
}

// Two files on one path (or a file where another file's directory must be) would overwrite each
// other on disk. BEP 47 padding files are never stored, and share paths like ".pad/16384".
export function assertDistinctPaths(files: readonly TorrentFile[]): void {
  const filePaths = new Set<string>()
  const dirPaths = new Set<string>()
  for (const f of files) {
    if (f.padding) continue
    const key = f.path.join('/')
    if (filePaths.has(key) || dirPaths.has(key)) throw new MetainfoError(`file ${showPath(f.path)} appears twice (or is also a directory)`)
    filePaths.add(key)
    for (let n = 1; n < f.path.length; n++) {
      const dir = f.path.slice(0, n).join('/')
      if (filePaths.has(dir)) throw new MetainfoError(`${showPath(f.path.slice(0, n))} is both a file and a directory`)
      dirPaths.add(dir)
    }
  }
}
