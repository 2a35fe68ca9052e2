import { createReadStream } from 'node:fs'
import { lstat, readdir } from 'node:fs/promises'
import { basename, join, resolve } from 'node:path'
import { SwarmdropError } from '../shared/errors.ts'
import { createTorrent, type CreateInput, type Metainfo, type MetaVersion } from '../shared/metainfo/index.ts'

// Files on disk as createTorrent's inputs (streamed: nothing is read until hashing pulls it). Used by
// `cli create`, `cli seed <path>` and the tracker's `--seed DIR`.

// A directory tree with more files than this is almost certainly a mistake (a home directory...).
const MAX_FILES = 100_000

/** The paths cannot make a torrent (nothing in them, too many files, a special file). */
export class InputError extends SwarmdropError {}

export interface CollectedInputs {
  inputs: CreateInput[]
  name: string
  /** Every input file's path on disk with its size and modification time when listed. */
  stamps: { path: string; size: number; mtimeMs: number }[]
}

/**
 * With one path, its own name is the torrent's name and its contents are the files (as mktorrent
 * does); with several, each path's basename becomes the first segment under `name`. Files are in
 * readdir order here; createTorrent orders them.
 */
export async function collectInputs(paths: readonly string[], name?: string): Promise<CollectedInputs> {
  const out: CollectedInputs = { inputs: [], name: '', stamps: [] }
  for (const p of paths) {
    const abs = resolve(p)
    const st = await lstat(abs)
    const prefix = paths.length === 1 ? [] : [basename(abs)]
    if (st.isFile()) add(out, abs, paths.length === 1 ? [basename(abs)] : prefix, st.size, st.mtimeMs)
    else if (st.isDirectory()) await walk(abs, prefix, out)
    else throw new InputError(`${p}: not a regular file or directory`)
  }
  if (out.inputs.length === 0) throw new InputError('no files to put in the torrent (empty directories only?)')
  out.name = name ?? basename(resolve(paths[0]!))
  return out
}

async function walk(dir: string, prefix: string[], out: CollectedInputs): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true })
  for (const entry of entries) {
    const full = join(dir, entry.name)
    if (entry.isDirectory()) await walk(full, [...prefix, entry.name], out)
    else if (entry.isFile()) {
      if (out.inputs.length >= MAX_FILES) throw new InputError(`more than ${MAX_FILES} files: refusing`)
      const st = await lstat(full)
      add(out, full, [...prefix, entry.name], st.size, st.mtimeMs)
    }
    // Symbolic links and special files are skipped: a torrent describes regular files only.
  }
}

function add(out: CollectedInputs, path: string, segments: string[], length: number, mtimeMs: number): void {
  out.inputs.push({
    path: segments,
    length,
    stream: () => createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Uint8Array>,
  })
  out.stamps.push({ path, size: length, mtimeMs })
}

export interface MadeTorrent {
  torrent: Uint8Array
  metainfo: Metainfo
  stamps: CollectedInputs['stamps']
}

/** A file or folder on disk as a new torrent (hashed as a stream). */
export async function torrentFromPath(
  path: string,
  o: { pieceLength?: number; metaVersion?: MetaVersion; announce?: string[][]; onProgress?: (hashed: number) => void } = {},
): Promise<MadeTorrent> {
  const { inputs, name, stamps } = await collectInputs([path])
  const { torrent, metainfo } = await createTorrent(inputs, {
    name,
    ...(o.pieceLength !== undefined ? { pieceLength: o.pieceLength } : {}),
    ...(o.metaVersion !== undefined ? { metaVersion: o.metaVersion } : {}),
    announce: o.announce ?? [],
    createdBy: 'swarmdrop',
    ...(o.onProgress ? { onProgress: o.onProgress } : {}),
  })
  return { torrent, metainfo, stamps }
}
