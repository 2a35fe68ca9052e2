import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { parseTorrent, type Metainfo, type MetaVersion } from '../shared/metainfo/index.ts'
import { parseMagnet, type MagnetLink } from '../shared/magnet/index.ts'
import { toHex } from '../shared/bytes.ts'
import { formatBytes } from '../shared/format.ts'
import { SwarmdropError } from '../shared/errors.ts'
import { RunError, UsageError } from './errors.ts'

// .torrent files are small; refuse anything absurd before reading it into memory.
const MAX_TORRENT_FILE_BYTES = 64 * 1024 * 1024

export async function runInspect(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { json: { type: 'boolean' } }, allowPositionals: true, strict: true })
  if (positionals.length !== 1) throw new UsageError('inspect takes exactly one .torrent file or magnet link')
  const input = positionals[0]!
  const summary = input.startsWith('magnet:') ? fromMagnet(parseMagnet(input)) : fromTorrent(await readTorrent(input))
  process.stdout.write(values.json ? JSON.stringify(summary, null, 2) + '\n' : formatText(summary))
  return 0
}

/** A .torrent file from disk, parsed (MetainfoError when it is not one). */
export async function readTorrent(path: string): Promise<Metainfo> {
  const bytes = await readFile(path)
  if (bytes.length > MAX_TORRENT_FILE_BYTES) throw new RunError(`${path}: ${bytes.length} bytes is too large for a .torrent file`)
  try {
    return await parseTorrent(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length))
  } catch (e) {
    // The parser's message says what is wrong, not in which file: name it.
    if (e instanceof SwarmdropError) throw new RunError(`${path}: not a valid .torrent: ${e.message}`)
    throw e
  }
}

export interface Summary {
  /** BEP 52: 1, 2 or 'hybrid'; null for a magnet link that does not tell (a v1 hash alone). */
  metaVersion: MetaVersion | null
  /** The v1 (SHA-1) info hash, 40 hex; null for a v2-only torrent. */
  infoHash: string | null
  /** The v2 (SHA-256) info hash, 64 hex; null for a v1 torrent. */
  infoHashV2: string | null
  name: string | null
  length: number | null
  pieceLength: number | null
  pieceCount: number | null
  files: { path: string; length: number }[]
  announce: string[][]
  urlList: string[]
  private: boolean
  comment?: string
  createdBy?: string
  creationDate?: number // seconds since 1970, as in the file
}

function fromTorrent(m: Metainfo): Summary {
  const s: Summary = {
    metaVersion: m.metaVersion,
    infoHash: m.infoHashV1 && toHex(m.infoHashV1),
    infoHashV2: m.infoHashV2 && toHex(m.infoHashV2),
    name: m.name,
    length: m.length,
    pieceLength: m.pieceLength,
    pieceCount: m.pieceCount,
    files: m.files.filter((f) => !f.padding).map((f) => ({ path: f.path.join('/'), length: f.length })),
    announce: m.announce,
    urlList: m.urlList,
    private: m.private,
  }
  if (m.comment !== undefined) s.comment = m.comment
  if (m.createdBy !== undefined) s.createdBy = m.createdBy
  if (m.creationDate !== undefined) s.creationDate = m.creationDate
  return s
}

function fromMagnet(m: MagnetLink): Summary {
  // A magnet link carries no metadata: sizes and files are unknown until peers send the info dict.
  // Its hashes tell the version only when there is a v2 one (BEP 52: both for a hybrid).
  const v1 = m.infoHash ? toHex(m.infoHash) : null
  const v2 = m.infoHashV2 ? toHex(m.infoHashV2) : null
  return {
    metaVersion: v2 === null ? null : v1 === null ? 2 : 'hybrid',
    infoHash: v1,
    infoHashV2: v2,
    name: m.name ?? null,
    length: null,
    pieceLength: null,
    pieceCount: null,
    files: [],
    announce: m.trackers.map((t) => [t]),
    urlList: m.webSeeds,
    private: false,
  }
}

function sizeOf(n: number): string {
  return n < 1024 ? `${n} B` : `${formatBytes(n)} (${n} bytes)`
}

// Some creators wrote milliseconds where BEP 3 says seconds; show such a value raw rather than a year 47910.
function formatDate(seconds: number): string {
  const ms = seconds * 1000
  return ms > Date.UTC(9999, 0) ? `${seconds} (not a valid date in seconds)` : new Date(ms).toISOString()
}

function formatText(s: Summary): string {
  const lines: string[] = []
  if (s.infoHash !== null) lines.push(`info hash:     ${s.infoHash}`)
  if (s.infoHashV2 !== null) lines.push(`info hash v2:  ${s.infoHashV2}`)
  if (s.metaVersion !== null) lines.push(`version:       ${s.metaVersion === 'hybrid' ? 'hybrid (v1 + v2, BEP 52)' : s.metaVersion === 2 ? 'v2 (BEP 52)' : 'v1'}`)
  lines.push(`name:          ${s.name ?? '(unknown until metadata arrives)'}`)
  if (s.length !== null) lines.push(`size:          ${sizeOf(s.length)}`)
  if (s.pieceLength !== null) lines.push(`pieces:        ${s.pieceCount} x ${sizeOf(s.pieceLength)}`)
  lines.push(`private:       ${s.private ? 'yes' : 'no'}`)
  if (s.comment !== undefined) lines.push(`comment:       ${s.comment}`)
  if (s.createdBy !== undefined) lines.push(`created by:    ${s.createdBy}`)
  if (s.creationDate !== undefined) lines.push(`creation date: ${formatDate(s.creationDate)}`)
  lines.push('trackers:' + (s.announce.length === 0 ? '      (none)' : ''))
  s.announce.forEach((tier, i) => lines.push(`  tier ${i + 1}: ${tier.join(', ')}`))
  if (s.urlList.length > 0) lines.push('web seeds:', ...s.urlList.map((u) => `  ${u}`))
  if (s.files.length > 0) {
    lines.push(`files (${s.files.length}):`)
    for (const f of s.files) lines.push(`  ${f.path}  ${sizeOf(f.length)}`)
  }
  return lines.join('\n') + '\n'
}
