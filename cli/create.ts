import { createReadStream } from 'node:fs'
import { lstat, readdir, rename, writeFile } from 'node:fs/promises'
import { basename, join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { createTorrent, type CreateInput } from '../shared/metainfo/index.ts'
import { formatMagnet } from '../shared/magnet/index.ts'
import { UsageError } from './errors.ts'

// A directory tree with more files than this is almost certainly a mistake (a home directory...).
const MAX_FILES = 100_000

export async function runCreate(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      'piece-length': { type: 'string' },
      announce: { type: 'string', multiple: true },
      'url-list': { type: 'string', multiple: true },
      private: { type: 'boolean' },
      comment: { type: 'string' },
      name: { type: 'string' },
      output: { type: 'string', short: 'o' },
    },
  })
  if (positionals.length === 0) throw new UsageError('create needs at least one file or directory')
  let pieceLength: number | undefined
  if (values['piece-length'] !== undefined) {
    pieceLength = Number(values['piece-length'])
    if (!Number.isSafeInteger(pieceLength) || pieceLength <= 0) throw new UsageError(`--piece-length must be a positive number of bytes, not "${values['piece-length']}"`)
  }
  if (positionals.length > 1 && values.name === undefined) throw new UsageError('several paths need --name for the torrent')

  const { inputs, name } = await collectInputs(positionals, values.name)
  const announce = values.announce ?? []
  const { torrent, metainfo } = await createTorrent(inputs, {
    name,
    ...(pieceLength !== undefined ? { pieceLength } : {}),
    announce: announce.map((url) => [url]),
    urlList: values['url-list'] ?? [],
    private: values.private ?? false,
    ...(values.comment !== undefined ? { comment: values.comment } : {}),
    createdBy: 'swarmdrop',
  })
  const out = values.output ?? `${metainfo.name}.torrent`
  // Write beside the target and rename, so an interrupted run never leaves a truncated .torrent.
  const tmp = `${out}.${process.pid}.tmp`
  await writeFile(tmp, torrent)
  await rename(tmp, out)
  process.stdout.write(
    `wrote ${out}\ninfo hash: ${metainfo.infoHashHex}\n` +
      `${metainfo.pieceCount} pieces of ${metainfo.pieceLength} bytes, ${metainfo.length} bytes in ${metainfo.files.length} file(s)\n` +
      `magnet: ${formatMagnet({ infoHash: metainfo.infoHash, name: metainfo.name, trackers: announce, webSeeds: [], exactSources: [], peers: [] })}\n`,
  )
  return 0
}

interface Collected {
  inputs: CreateInput[]
  name: string
}

async function collectInputs(paths: string[], name: string | undefined): Promise<Collected> {
  const inputs: CreateInput[] = []
  for (const p of paths) {
    const abs = resolve(p)
    const st = await lstat(abs)
    // With one path, its own name is the torrent's name and its contents are the files (as mktorrent
    // does); with several, each path's basename becomes the first segment under --name.
    const prefix = paths.length === 1 ? [] : [basename(abs)]
    if (st.isFile()) inputs.push(fileInput(abs, paths.length === 1 ? [basename(abs)] : prefix, st.size))
    else if (st.isDirectory()) await walk(abs, prefix, inputs)
    else throw new UsageError(`${p}: not a regular file or directory`)
  }
  if (inputs.length === 0) throw new UsageError('no files to put in the torrent (empty directories only?)')
  const single = paths.length === 1 ? basename(resolve(paths[0]!)) : undefined
  return { inputs, name: name ?? single! }
}

async function walk(dir: string, prefix: string[], out: CreateInput[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true })
  for (const entry of entries) {
    const full = join(dir, entry.name)
    if (entry.isDirectory()) await walk(full, [...prefix, entry.name], out)
    else if (entry.isFile()) {
      if (out.length >= MAX_FILES) throw new UsageError(`more than ${MAX_FILES} files: refusing`)
      out.push(fileInput(full, [...prefix, entry.name], (await lstat(full)).size))
    }
    // Symbolic links and special files are skipped: a torrent describes regular files only.
  }
}

function fileInput(path: string, segments: string[], length: number): CreateInput {
  return {
    path: segments,
    length,
    stream: () => createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Uint8Array>,
  }
}
