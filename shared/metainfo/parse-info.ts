// The info dict (BEP 3): name, piece length, pieces, and either length (single file) or files.
// Every field is checked before use: lengths are non-negative safe integers whose total is a safe
// integer, pieces holds exactly ceil(length / piece length) hashes, every path is safe
// (validate-path.ts), no two files share a path. Hybrid v1+v2 torrents (BEP 52) are read through
// their v1 part; v2-only torrents are refused.
//
// Text: `name.utf-8` / `path.utf-8` win when present (old clients wrote the local code page in
// `name` and UTF-8 there); otherwise the bytes must be valid UTF-8. Invalid UTF-8 is refused with
// a MetainfoError rather than guessed at: a lossy decode could map two different files onto one
// name, and a name we cannot write faithfully is no use to the user anyway.
//
// A torrent with no data (total length 0, so no pieces) is refused: there is nothing to share,
// and every consumer would need a special case for a swarm with zero pieces.

import { MetainfoError } from '../errors.ts'
import { utf8 } from '../bytes.ts'
import { getBytes, getInt, getList, isBytes, isDict, isList, keyPath, optBytes } from '../bencode/index.ts'
import type { BDict, BValue } from '../bencode/index.ts'
import { isSanePieceLength } from './piece-length.ts'
import { assertSafePath, showPath } from './validate-path.ts'
import { metainfoLimits } from './types.ts'
import type { TorrentFile, TorrentInfo } from './types.ts'

const HASH_LENGTH = 20

function text(bytes: Uint8Array, what: string): string {
  try {
    return utf8.decode(bytes)
  } catch {
    throw new MetainfoError(`${what} is not valid UTF-8`)
  }
}

/** `key.utf-8` when it is a valid UTF-8 byte string, else `key`, which must be valid UTF-8. */
function preferUtf8(d: BDict, key: string, path: string, what: string): string | undefined {
  const alt = d.get(`${key}.utf-8`)
  if (isBytes(alt)) {
    try {
      return utf8.decode(alt)
    } catch {
      // fall through to the plain key
    }
  }
  const plain = optBytes(d, key, MetainfoError, path)
  return plain === undefined ? undefined : text(plain, what)
}

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

function nonNegativeLength(d: BDict, key: string, path: string): number {
  const n = getInt(d, key, MetainfoError, path)
  if (n < 0) throw new MetainfoError(`${keyPath(path, key)} is negative (${n})`)
  return n
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
    const attrBytes = entry.get('attr')
    const attr = isBytes(attrBytes) ? String.fromCharCode(...attrBytes.subarray(0, 16)) : undefined
    const file: TorrentFile = { path, length, offset, padding: attr?.includes('p') ?? false }
    if (attr !== undefined) file.attr = attr
    files.push(file)
    offset += length
    if (!Number.isSafeInteger(offset)) throw new MetainfoError('the total length of the files is too large')
  }
  assertDistinctPaths(files)
  return files
}

// Two files on one path (or a file where another file's directory must be) would overwrite each
// other on disk. BEP 47 padding files are never stored, and share paths like ".pad/16384".
function assertDistinctPaths(files: TorrentFile[]): void {
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

/** Validate a decoded info dict. infoHash/infoBytes are the caller's (they depend on raw bytes). */
export function readInfoDict(info: BValue, infoBytes: Uint8Array, infoHash: Uint8Array, infoHashHex: string): TorrentInfo {
  if (!isDict(info)) throw new MetainfoError('info should be a dict')
  const metaVersion = info.get('meta version')
  if (!info.has('pieces') && (metaVersion === 2 || info.has('file tree'))) {
    throw new MetainfoError('this is a v2-only torrent (BEP 52): v2 is not supported yet')
  }
  const name = preferUtf8(info, 'name', 'info', 'info.name')
  if (name === undefined) throw new MetainfoError('info.name is missing: the torrent has no name')
  assertSafePath([name], `the torrent name ${JSON.stringify(name)}`)

  const pieceLength = getInt(info, 'piece length', MetainfoError, 'info')
  if (!isSanePieceLength(pieceLength)) {
    throw new MetainfoError(`info.piece length ${pieceLength} is outside ${metainfoLimits.minPieceLength}..${metainfoLimits.maxPieceLength}`)
  }
  const pieceHashes = getBytes(info, 'pieces', MetainfoError, 'info')
  if (pieceHashes.length % HASH_LENGTH !== 0) {
    throw new MetainfoError(`info.pieces is ${pieceHashes.length} bytes, not a multiple of ${HASH_LENGTH}`)
  }

  let files: TorrentFile[]
  const hasFiles = info.has('files')
  if (hasFiles && info.has('length')) throw new MetainfoError('info has both length and files')
  if (hasFiles) {
    files = readFiles(getList(info, 'files', MetainfoError, 'info'))
  } else if (info.has('length')) {
    const length = nonNegativeLength(info, 'length', 'info')
    const attrBytes = info.get('attr')
    const file: TorrentFile = { path: [name], length, offset: 0, padding: false }
    if (isBytes(attrBytes)) file.attr = String.fromCharCode(...attrBytes.subarray(0, 16))
    files = [file]
  } else {
    throw new MetainfoError('info has neither length nor files')
  }
  const length = files.reduce((sum, f) => sum + f.length, 0)
  if (length === 0) throw new MetainfoError('the torrent has no data (total length 0)')

  const pieceCount = Math.ceil(length / pieceLength)
  if (pieceHashes.length / HASH_LENGTH !== pieceCount) {
    throw new MetainfoError(
      `info.pieces has ${pieceHashes.length / HASH_LENGTH} hashes, but ${length} bytes in pieces of ${pieceLength} make ${pieceCount}`,
    )
  }
  const priv = info.get('private')
  return {
    infoHash,
    infoHashHex,
    name,
    length,
    pieceLength,
    pieceCount,
    pieceHashes,
    files,
    // BEP 27: only 1 means private. A non-integer value has been seen in the wild; it means nothing.
    private: priv === 1,
    infoBytes,
  }
}
