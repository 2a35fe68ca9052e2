// Creating a .torrent from files (BEP 3), hashing them as a stream: the browser gives File.stream(),
// Node gives fs streams, and neither ever has a whole file in memory.
//
// The info dict is byte-identical to the one Debian's mktorrent (1.1) writes for the same content
// and piece length without -p/-s: keys files|length, name, piece length, pieces (private when
// asked), files ordered by their full "a/b/c" path compared as bytes (mktorrent's strcmp order,
// which puts "a.txt" before "a/x"), empty files included. Equal info dicts, equal info hashes.

import { MetainfoError } from '../errors.ts'
import { utf8 } from '../bytes.ts'
import { encode } from '../bencode/index.ts'
import type { BEncodable } from '../bencode/index.ts'
import { autoPieceLength, isCreatablePieceLength } from './piece-length.ts'
import { PieceHasher } from './piece-hasher.ts'
import { parseTorrent } from './parse.ts'
import { encodeTorrent } from './encode-torrent.ts'
import { assertSafePath, showPath } from './validate-path.ts'
import { metainfoLimits } from './types.ts'
import type { Metainfo } from './types.ts'

export interface CreateInput {
  /** Path segments, relative (["dir", "file.txt"]). */
  path: string[]
  length: number
  stream(): AsyncIterable<Uint8Array>
}

export interface CreateOptions<T extends CreateInput = CreateInput> {
  /**
   * The torrent's name. Default: a single one-segment input's name (a single-file torrent; any
   * other name makes it a folder holding that file); for several inputs that all
   * sit in one top folder (a dropped directory: ["photos", ...]), that folder's name, which is then
   * stripped from their paths. Otherwise required.
   */
  name?: string
  /** A power of two, 1 KiB..512 MiB. Default: autoPieceLength (piece-length.ts). */
  pieceLength?: number
  announce?: string[][] | string[] // tiers, or a flat list meaning one tracker per tier
  urlList?: string[]
  private?: boolean
  comment?: string
  createdBy?: string
  /** Seconds since the epoch; default now; null leaves the field out. */
  creationDate?: number | null
  onProgress?(hashedBytes: number): void
  /**
   * Who hashes the content. Default: `streamPieceHashes`, one stream through PieceHasher (Node, the
   * CLI). The browser passes its worker pool (web/lib/hash-pool.ts): several pieces at once, read
   * straight from the File objects. It gets the plan (files in torrent order, piece length) and
   * returns what the info dict needs.
   */
  hashContent?(plan: TorrentPlan<T>): Promise<ContentHashes>
}

/** What hashing the content yields for the info dict: v1 piece hashes (BEP 52 hybrid adds its own). */
export interface ContentHashes {
  /** SHA-1 of every piece, concatenated (20 bytes each, BEP 3). */
  pieces: Uint8Array
}

/**
 * A torrent decided but not yet hashed: name, files in torrent order (their paths relative to the
 * name), piece length and totals. The inputs keep any extra fields the caller gave them (the
 * browser's File), so a custom `hashContent` can find its sources.
 */
export interface TorrentPlan<T extends CreateInput = CreateInput> {
  name: string
  single: boolean
  files: T[]
  pieceLength: number
  totalLength: number
  pieceCount: number
}

interface Layout<T extends CreateInput> {
  name: string
  single: boolean
  files: T[] // in torrent order, paths relative to the name
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!
  return a.length - b.length
}

function layout<T extends CreateInput>(inputs: T[], name: string | undefined): Layout<T> {
  if (inputs.length === 0) throw new MetainfoError('no files to put in the torrent')
  if (inputs.length > metainfoLimits.maxFiles) throw new MetainfoError(`${inputs.length} files (limit ${metainfoLimits.maxFiles})`)
  let files = inputs
  // One file at the top: a single-file torrent, unless a different name is asked for, which then
  // names a folder holding the file (as mktorrent does for a directory with one file in it).
  if (inputs.length === 1 && inputs[0]!.path.length === 1 && (name === undefined || name === inputs[0]!.path[0])) {
    return { name: inputs[0]!.path[0]!, single: true, files }
  }
  if (name === undefined) {
    const top = inputs[0]!.path[0]
    if (top === undefined || !inputs.every((f) => f.path.length > 1 && f.path[0] === top)) {
      throw new MetainfoError('several files need a name for the torrent (options.name)')
    }
    name = top
    files = inputs.map((f) => ({ ...f, path: f.path.slice(1), stream: () => f.stream() }))
  }
  const keyed = files.map((f) => ({ f, key: utf8.encode(f.path.join('/')) }))
  keyed.sort((a, b) => compareBytes(a.key, b.key))
  return { name, single: false, files: keyed.map((k) => k.f) }
}

function validate(l: Layout<CreateInput>, pieceLength: number | undefined): number {
  assertSafePath([l.name], `the torrent name ${JSON.stringify(l.name)}`)
  let total = 0
  const seen = new Set<string>()
  for (const f of l.files) {
    assertSafePath(f.path, `file ${showPath(f.path)}`)
    const key = f.path.join('/')
    if (seen.has(key)) throw new MetainfoError(`file ${showPath(f.path)} is given twice`)
    seen.add(key)
    if (!Number.isSafeInteger(f.length) || f.length < 0) throw new MetainfoError(`file ${showPath(f.path)} has a bad length ${f.length}`)
    total += f.length
  }
  if (!Number.isSafeInteger(total)) throw new MetainfoError('the files are too large in total')
  if (total === 0) throw new MetainfoError('the files are all empty: a torrent needs at least one byte')
  if (pieceLength !== undefined && !isCreatablePieceLength(pieceLength)) {
    throw new MetainfoError(`piece length ${pieceLength} is not a power of two in ${metainfoLimits.minPieceLength}..${metainfoLimits.maxPieceLength}`)
  }
  return total
}

function tiersOf(announce: string[][] | string[] | undefined): string[][] {
  if (announce === undefined) return []
  return announce.map((t) => (typeof t === 'string' ? [t] : t))
}

/** Lay out and validate the inputs and choose the piece length; nothing is read yet. */
export function planTorrent<T extends CreateInput>(inputs: T[], options: Pick<CreateOptions, 'name' | 'pieceLength'> = {}): TorrentPlan<T> {
  const l = layout(inputs, options.name)
  const totalLength = validate(l, options.pieceLength)
  const pieceLength = options.pieceLength ?? autoPieceLength(totalLength)
  return { ...l, pieceLength, totalLength, pieceCount: Math.ceil(totalLength / pieceLength) }
}

/** The default content hashing: every file streamed, in order, through one PieceHasher. */
export async function streamPieceHashes(plan: TorrentPlan, onProgress?: (hashedBytes: number) => void): Promise<ContentHashes> {
  const hasher = new PieceHasher(plan.pieceLength, onProgress)
  for (const f of plan.files) {
    let got = 0
    for await (const chunk of f.stream()) {
      got += chunk.length
      if (got > f.length) throw new MetainfoError(`file ${showPath(f.path)} is longer than its stated ${f.length} bytes (changed while hashing?)`)
      await hasher.update(chunk)
    }
    if (got !== f.length) throw new MetainfoError(`file ${showPath(f.path)} gave ${got} bytes, not its stated ${f.length} (changed while hashing?)`)
  }
  return { pieces: await hasher.finish() }
}

/** Hash the files and build the .torrent; `metainfo` is that file parsed back. */
export async function createTorrent<T extends CreateInput>(inputs: T[], options: CreateOptions<T> = {}): Promise<{ torrent: Uint8Array; metainfo: Metainfo }> {
  const plan = planTorrent(inputs, options)
  const hashes = options.hashContent ? await options.hashContent(plan) : await streamPieceHashes(plan, options.onProgress)
  return buildTorrent(plan, hashes, options)
}

/** The .torrent of a plan whose content is hashed. */
export async function buildTorrent(plan: TorrentPlan<CreateInput>, hashes: ContentHashes, options: Omit<CreateOptions, 'hashContent'> = {}): Promise<{ torrent: Uint8Array; metainfo: Metainfo }> {
  if (hashes.pieces.length !== plan.pieceCount * 20) throw new MetainfoError(`${hashes.pieces.length / 20} piece hashes for ${plan.pieceCount} pieces`)
  const info: Record<string, BEncodable | undefined> = {
    name: plan.name,
    'piece length': plan.pieceLength,
    pieces: hashes.pieces,
    private: options.private === true ? 1 : undefined,
  }
  if (plan.single) info.length = plan.totalLength
  else info.files = plan.files.map((f) => ({ length: f.length, path: f.path }))

  const creationDate = options.creationDate === undefined ? Math.floor(Date.now() / 1000) : options.creationDate
  const torrent = encodeTorrent({
    infoBytes: encode(info),
    announce: tiersOf(options.announce),
    ...(options.urlList !== undefined ? { urlList: options.urlList } : {}),
    ...(options.comment !== undefined ? { comment: options.comment } : {}),
    ...(options.createdBy !== undefined ? { createdBy: options.createdBy } : {}),
    ...(creationDate !== null ? { creationDate } : {}),
  })
  return { torrent, metainfo: await parseTorrent(torrent) }
}
