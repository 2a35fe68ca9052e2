import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'

// The resume file: which pieces are verified on disk, and the size and modification time of each file
// when that was recorded. It lives beside the data, in DIR/.swarmdrop/<info hash>.resume (a hidden
// folder, so that a seeded folder's listing shows only the data). A file whose size or time changed
// since is checked again piece by piece; the rest is trusted, so a restart does not re-read everything.
//
// Written whole to a temporary name and renamed over the old one: a crash leaves the old file or the
// new one, never half of one.

export const STATE_DIR = '.swarmdrop'
const VERSION = 1
/** A resume file larger than this is not ours (16 MiB holds the bitfield of 100 million pieces). */
const MAX_RESUME_BYTES = 16 << 20

export interface FileStamp {
  length: number
  /** Modification time in ms (fractional: the file system's nanoseconds survive as far as a double holds them). */
  mtimeMs: number
}

export interface ResumeState {
  infoHashHex: string
  pieceCount: number
  /** BEP 3 bit order: piece 0 is the high bit of byte 0. */
  bitfield: Uint8Array
  /** By index into the torrent's files; null for padding files and files never created. */
  files: (FileStamp | null)[]
}

export function resumePath(dir: string, infoHashHex: string): string {
  return join(dir, STATE_DIR, `${infoHashHex}.resume`)
}

/** The saved state, or null when there is none or it is unreadable, or for another torrent. */
export async function readResume(path: string, infoHashHex: string, pieceCount: number, fileCount: number): Promise<ResumeState | null> {
  let text: string
  try {
    const bytes = await readFile(path)
    if (bytes.length > MAX_RESUME_BYTES) return null
    text = bytes.toString('utf8')
  } catch {
    return null
  }
  let v: unknown
  try {
    v = JSON.parse(text)
  } catch {
    return null
  }
  if (typeof v !== 'object' || v === null) return null
  const r = v as Record<string, unknown>
  if (r['version'] !== VERSION || r['infoHash'] !== infoHashHex || r['pieceCount'] !== pieceCount) return null
  if (typeof r['bitfield'] !== 'string' || !Array.isArray(r['files']) || r['files'].length !== fileCount) return null
  const bitfield = new Uint8Array(Buffer.from(r['bitfield'], 'base64'))
  if (bitfield.length !== Math.ceil(pieceCount / 8)) return null
  const files: (FileStamp | null)[] = []
  for (const f of r['files'] as unknown[]) {
    if (f === null) files.push(null)
    else if (typeof f === 'object' && typeof (f as FileStamp).length === 'number' && typeof (f as FileStamp).mtimeMs === 'number') {
      files.push({ length: (f as FileStamp).length, mtimeMs: (f as FileStamp).mtimeMs })
    } else return null
  }
  return { infoHashHex, pieceCount, bitfield, files }
}

export async function writeResume(path: string, state: ResumeState): Promise<void> {
  await mkdir(dirname(path), { recursive: true })
  const body = JSON.stringify({
    version: VERSION,
    infoHash: state.infoHashHex,
    pieceCount: state.pieceCount,
    bitfield: Buffer.from(state.bitfield).toString('base64'),
    files: state.files,
  })
  const tmp = `${path}.${process.pid}.tmp`
  await writeFile(tmp, body)
  await rename(tmp, path)
}
