import { rename, writeFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { createTorrent, type MetaVersion } from '../shared/metainfo/index.ts'
import { formatMagnet, magnetOf } from '../shared/magnet/index.ts'
import { toHex } from '../shared/bytes.ts'
import { collectInputs } from '../node/torrent-inputs.ts'
import { UsageError } from './errors.ts'

/** The flags that pick a torrent's version (create, seed). */
export const VERSION_OPTIONS = { v2: { type: 'boolean' }, hybrid: { type: 'boolean' } } as const

/** --v2: v2-only (BEP 52); --hybrid: v1 and v2 in one info dict; neither: v1 (every client reads it). */
export function metaVersionOf(values: { v2?: boolean; hybrid?: boolean }): MetaVersion {
  if (values.v2 === true && values.hybrid === true) throw new UsageError('--v2 and --hybrid exclude each other (a hybrid is v1 and v2)')
  return values.hybrid === true ? 'hybrid' : values.v2 === true ? 2 : 1
}

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
      ...VERSION_OPTIONS,
    },
  })
  const metaVersion = metaVersionOf(values)
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
    metaVersion,
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
  const hashes = [
    ...(metainfo.infoHashV1 !== null ? [`info hash: ${toHex(metainfo.infoHashV1)}\n`] : []),
    ...(metainfo.infoHashV2 !== null ? [`info hash v2: ${toHex(metainfo.infoHashV2)}\n`] : []),
  ]
  const files = metainfo.files.filter((f) => !f.padding)
  const bytes = files.reduce((n, f) => n + f.length, 0)
  process.stdout.write(
    `wrote ${out}\n${hashes.join('')}` +
      `${metainfo.pieceCount} pieces of ${metainfo.pieceLength} bytes, ${bytes} bytes in ${files.length} file(s)\n` +
      `magnet: ${formatMagnet(magnetOf(metainfo, metainfo.name, announce))}\n`,
  )
  return 0
}
