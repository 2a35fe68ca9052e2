// Node-side test helpers: real files on disk as CreateInputs, and Debian's torrent tools.
import { execFileSync } from 'node:child_process'
import { createReadStream, existsSync, lstatSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { dirname, join, relative, sep } from 'node:path'
import type { CreateInput } from '../create.ts'

export const MKTORRENT = '/usr/bin/mktorrent'
export const TRANSMISSION_CREATE = '/usr/bin/transmission-create'
export const TRANSMISSION_SHOW = '/usr/bin/transmission-show'

/** Fails (never skips) when a tool is missing, saying which Debian package to install. */
export function requireTool(path: string, debianPackage: string): void {
  if (!existsSync(path)) {
    throw new Error(`${path} is missing: install it with "apt-get install -y ${debianPackage}" (CI's .ci/run must do the same)`)
  }
}

export function run(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
}

/** Write files of random content; `files` maps relative paths ("a/b.txt") to lengths. */
export function writeRandomTree(root: string, files: Record<string, number>): void {
  for (const [rel, length] of Object.entries(files)) {
    const full = join(root, ...rel.split('/'))
    mkdirSync(dirname(full), { recursive: true })
    writeFileSync(full, randomBytes(length))
  }
}

/** A file on disk as a CreateInput, read in chunks of `chunkSize` bytes. */
export function fileInput(full: string, path: string[], chunkSize = 64 * 1024): CreateInput {
  return {
    path,
    length: lstatSync(full).size,
    stream: () => createReadStream(full, { highWaterMark: chunkSize }) as AsyncIterable<Uint8Array>,
  }
}

/** Every regular file under `dir`, its path starting with `prefix` segments (in readdir order). */
export function treeInputs(dir: string, prefix: string[], chunkSize?: number): CreateInput[] {
  const out: CreateInput[] = []
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, e.name)
      if (e.isDirectory()) walk(full)
      else if (e.isFile()) out.push(fileInput(full, [...prefix, ...relative(dir, full).split(sep)], chunkSize))
    }
  }
  walk(dir)
  return out
}

/** An input whose chunks are of random sizes (1 byte up to `max`): exercises piece boundaries. */
export function chunkedInput(path: string[], data: Uint8Array, max: number, seed = 1): CreateInput {
  return {
    path,
    length: data.length,
    async *stream() {
      let s = seed
      let at = 0
      while (at < data.length) {
        s = (s * 1103515245 + 12345) & 0x7fffffff
        const n = 1 + (s % max)
        yield data.subarray(at, Math.min(data.length, at + n))
        at += n
      }
    },
  }
}

/** Debian's Python, which sees python3-libtorrent (another python3 may come first on PATH). */
export const DEBIAN_PYTHON = '/usr/bin/python3'
const LIBTORRENT_TOOL = join(import.meta.dirname, 'libtorrent_tool.py')

/** What libtorrent reads from a torrent (libtorrent_tool.py). Paths are below the torrent's name. */
export interface LibtorrentView {
  v1: string | null
  v2: string | null
  name: string
  pieces: number
  pieceLength: number
  files: { path: string; size: number; offset: number; pad: boolean }[]
}

/** Fails (never skips) without python3-libtorrent, saying how to install it. */
export function requireLibtorrent(): void {
  try {
    execFileSync(DEBIAN_PYTHON, ['-c', 'import libtorrent'], { stdio: 'ignore' })
  } catch {
    throw new Error(`python3-libtorrent is missing: install it with "apt-get install -y python3-libtorrent" (CI's .ci/run must do the same)`)
  }
}

/**
 * libtorrent creates a torrent of `path` (a file or directory) at `out` and says what it made; with
 * `order` (paths below the directory) it adds the files in that order (v1 keeps it).
 */
export function libtorrentCreate(path: string, mode: 'v1' | 'v2' | 'hybrid', pieceLength: number, out: string, order?: string[]): LibtorrentView {
  requireLibtorrent()
  const args = [LIBTORRENT_TOOL, 'create', path, mode, String(pieceLength), out, ...(order ? [JSON.stringify(order)] : [])]
  return JSON.parse(run(DEBIAN_PYTHON, args)) as LibtorrentView
}

/** What libtorrent reads from the .torrent at `file`. */
export function libtorrentInspect(file: string): LibtorrentView {
  requireLibtorrent()
  return JSON.parse(run(DEBIAN_PYTHON, [LIBTORRENT_TOOL, 'inspect', file])) as LibtorrentView
}
