// The first step of creating a torrent: lay out and validate the inputs, choose the piece length and
// the version; nothing is read yet. The plan says which bytes make which piece, so any hasher (a
// stream here, the browser's worker pool) can hash it.
//
// File order. v1 is byte-identical to Debian's mktorrent (1.1): files ordered by their full "a/b/c"
// path compared as bytes (strcmp order, which puts "a.txt" before "a/x"). v2 and hybrid follow
// libtorrent (2.0.8): the order of the file tree, whose dicts sort their keys, so paths compare
// segment by segment ("a/x" before "a.txt"). v2 files are piece-aligned: libtorrent pads after every
// non-empty file that does not end on a piece boundary, the last one included, as soon as the torrent
// has more than one file (empty ones count); a hybrid writes these BEP 47 padding files in its v1 list.

import { MetainfoError } from '../errors.ts'
import { utf8 } from '../bytes.ts'
import { autoPieceLength, isCreatablePieceLength, isV2PieceLength } from './piece-length.ts'
import { assertSafePath, showPath } from './validate-path.ts'
import { metainfoLimits } from './types.ts'
import type { MetaVersion } from './types.ts'

export interface CreateInput {
  /** Path segments, relative (["dir", "file.txt"]). */
  path: string[]
  length: number
  stream(): AsyncIterable<Uint8Array>
}

/** One entry of the piece space: a real file (with its input) or a BEP 47 padding file (zeros). */
export interface PlannedEntry<T extends CreateInput = CreateInput> {
  path: string[]
  length: number
  /** Byte offset in the torrent (files and padding concatenated). */
  offset: number
  padding: boolean
  input: T | null
}

/**
 * A torrent decided but not yet hashed: name, version, files in torrent order (their paths relative
 * to the name), piece length and totals. The inputs keep any extra fields the caller gave them (the
 * browser's File), so a custom `hashContent` can find its sources.
 */
export interface TorrentPlan<T extends CreateInput = CreateInput> {
  name: string
  single: boolean
  metaVersion: MetaVersion
  /** The real files, in torrent order. */
  files: T[]
  /** The whole piece space in order: the files and, for v2 and hybrid, the padding between them. */
  layout: PlannedEntry<T>[]
  pieceLength: number
  /** Bytes of the piece space, padding included. */
  totalLength: number
  pieceCount: number
}

export interface PlanOptions {
  /**
   * The torrent's name. Default: a single one-segment input's name (a single-file torrent; any
   * other name makes it a folder holding that file); for several inputs that all
   * sit in one top folder (a dropped directory: ["photos", ...]), that folder's name, which is then
   * stripped from their paths. Otherwise required.
   */
  name?: string
  /** A power of two, 1 KiB..512 MiB (16 KiB at least for v2 and hybrid). Default: autoPieceLength. */
  pieceLength?: number
  /** 1 (BEP 3, the default), 2 (BEP 52 only) or 'hybrid' (both, so v1-only clients join too). */
  metaVersion?: MetaVersion
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!
  return a.length - b.length
}

/** Segment by segment, each compared as bytes: the order of a bencoded file tree. */
function compareSegments(a: Uint8Array[], b: Uint8Array[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const c = compareBytes(a[i]!, b[i]!)
    if (c !== 0) return c
  }
  return a.length - b.length
}

function sortFiles<T extends CreateInput>(files: T[], metaVersion: MetaVersion): T[] {
  if (metaVersion === 1) {
    const keyed = files.map((f) => ({ f, key: utf8.encode(f.path.join('/')) }))
    return keyed.sort((a, b) => compareBytes(a.key, b.key)).map((k) => k.f)
  }
  const keyed = files.map((f) => ({ f, key: f.path.map((s) => utf8.encode(s)) }))
  return keyed.sort((a, b) => compareSegments(a.key, b.key)).map((k) => k.f)
}

function nameAndFiles<T extends CreateInput>(inputs: T[], name: string | undefined): { name: string; single: boolean; files: T[] } {
  if (inputs.length === 0) throw new MetainfoError('no files to put in the torrent')
  if (inputs.length > metainfoLimits.maxFiles) throw new MetainfoError(`${inputs.length} files (limit ${metainfoLimits.maxFiles})`)
  // One file at the top: a single-file torrent, unless a different name is asked for, which then
  // names a folder holding the file (as mktorrent does for a directory with one file in it).
  if (inputs.length === 1 && inputs[0]!.path.length === 1 && (name === undefined || name === inputs[0]!.path[0])) {
    return { name: inputs[0]!.path[0]!, single: true, files: inputs }
  }
  if (name !== undefined) return { name, single: false, files: inputs }
  const top = inputs[0]!.path[0]
  if (top === undefined || !inputs.every((f) => f.path.length > 1 && f.path[0] === top)) {
    throw new MetainfoError('several files need a name for the torrent (options.name)')
  }
  return { name: top, single: false, files: inputs.map((f) => ({ ...f, path: f.path.slice(1), stream: () => f.stream() })) }
}

function validate(name: string, files: readonly CreateInput[]): number {
  assertSafePath([name], `the torrent name ${JSON.stringify(name)}`)
  let total = 0
  const seen = new Set<string>()
  const dirs = new Set<string>()
  for (const f of files) {
    assertSafePath(f.path, `file ${showPath(f.path)}`)
    const key = f.path.join('/')
    if (seen.has(key)) throw new MetainfoError(`file ${showPath(f.path)} is given twice`)
    seen.add(key)
    for (let n = 1; n < f.path.length; n++) dirs.add(f.path.slice(0, n).join('/'))
    if (!Number.isSafeInteger(f.length) || f.length < 0) throw new MetainfoError(`file ${showPath(f.path)} has a bad length ${f.length}`)
    total += f.length
  }
  for (const key of seen) if (dirs.has(key)) throw new MetainfoError(`${JSON.stringify(key)} is both a file and a directory`)
  if (!Number.isSafeInteger(total)) throw new MetainfoError('the files are too large in total')
  if (total === 0) throw new MetainfoError('the files are all empty: a torrent needs at least one byte')
  return total
}

function pieceLengthFor(pieceLength: number | undefined, total: number, metaVersion: MetaVersion): number {
  if (pieceLength === undefined) return autoPieceLength(total) // 16 KiB at least: fine for v2 too
  if (!isCreatablePieceLength(pieceLength)) {
    throw new MetainfoError(`piece length ${pieceLength} is not a power of two in ${metainfoLimits.minPieceLength}..${metainfoLimits.maxPieceLength}`)
  }
  if (metaVersion !== 1 && !isV2PieceLength(pieceLength)) throw new MetainfoError(`piece length ${pieceLength}: v2 and hybrid torrents need 16 KiB or more (BEP 52)`)
  return pieceLength
}

function layoutOf<T extends CreateInput>(files: T[], pieceLength: number, metaVersion: MetaVersion): PlannedEntry<T>[] {
  const out: PlannedEntry<T>[] = []
  let offset = 0
  const pad = metaVersion !== 1 && files.length > 1
  for (const f of files) {
    out.push({ path: f.path, length: f.length, offset, padding: false, input: f })
    offset += f.length
    const gap = offset % pieceLength
    if (pad && f.length > 0 && gap !== 0) {
      out.push({ path: ['.pad', String(pieceLength - gap)], length: pieceLength - gap, offset, padding: true, input: null })
      offset += pieceLength - gap
    }
  }
  if (!Number.isSafeInteger(offset)) throw new MetainfoError('the files are too large in total')
  return out
}

/** Lay out and validate the inputs and choose the piece length; nothing is read yet. */
export function planTorrent<T extends CreateInput>(inputs: T[], options: PlanOptions = {}): TorrentPlan<T> {
  const metaVersion = options.metaVersion ?? 1
  const chosen = nameAndFiles(inputs, options.name)
  const files = sortFiles(chosen.files, metaVersion)
  const dataLength = validate(chosen.name, files)
  const pieceLength = pieceLengthFor(options.pieceLength, dataLength, metaVersion)
  const layout = layoutOf(files, pieceLength, metaVersion)
  const totalLength = layout.reduce((n, e) => n + e.length, 0)
  const pieceCount = Math.ceil(totalLength / pieceLength)
  if (pieceCount > metainfoLimits.maxPieces) throw new MetainfoError(`${pieceCount} pieces (limit ${metainfoLimits.maxPieces}): choose a larger piece length`)
  return { name: chosen.name, single: chosen.single, metaVersion, files, layout, pieceLength, totalLength, pieceCount }
}
