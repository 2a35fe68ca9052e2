import { createReadStream, existsSync, statSync } from 'node:fs'
import { mkdir, open, writeFile } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { createTorrent, parseTorrent, type Metainfo } from '../../shared/metainfo/index.ts'

// The benchmark's data: one file of N MiB in a folder of its own (random 1 MiB blocks, each stamped
// with its index so no two pieces are alike), kept between runs when the size matches, and a .torrent
// for it made by our createTorrent, announcing to the given trackers.

const MiB = 1024 * 1024

export async function dataFile(dir: string, name: string, mib: number): Promise<string> {
  const path = join(dir, name)
  if (existsSync(path) && statSync(path).size === mib * MiB) return path
  await mkdir(dir, { recursive: true })
  const fh = await open(path, 'w')
  const block = randomBytes(MiB)
  for (let i = 0; i < mib; i++) {
    block.writeUInt32BE(i, 0)
    await fh.write(block, 0, MiB, i * MiB)
  }
  await fh.close()
  return path
}

export async function torrentFor(path: string, name: string, announce: string[], out: string): Promise<{ metainfo: Metainfo; bytes: Uint8Array }> {
  const length = statSync(path).size
  const { torrent } = await createTorrent([{ path: [name], length, stream: () => createReadStream(path, { highWaterMark: MiB }) as AsyncIterable<Uint8Array> }], {
    name,
    announce: announce.map((u) => [u]),
    creationDate: null,
  })
  await writeFile(out, torrent)
  return { metainfo: await parseTorrent(torrent), bytes: torrent }
}
