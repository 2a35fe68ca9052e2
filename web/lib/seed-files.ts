import { createTorrent, type Metainfo } from '../../shared/metainfo/index.ts'
import type { BitfieldPersistence } from './opfs-store.ts'
import { OpfsPieceStore } from './opfs-store.ts'
import { layoutOf } from './torrent-layout.ts'

// Seeding from a drop: hash the user's files (streamed) into a .torrent, then copy them into OPFS
// piece by piece so the torrent keeps seeding after a reload.
//
// Why a copy and not a persisted file handle: a dropped or picked File cannot be reopened after a
// reload; only a FileSystemFileHandle can, and only in Chromium, and it needs the user to grant read
// permission again (requestPermission wants a user gesture), so seeding would stop until they click.
// The copy costs disk space and a second read of the files; it makes "reload the seeder: it seeds
// again without the user doing anything" true everywhere OPFS exists.

export interface DroppedFile {
  /** Path segments: ['a.txt'], or ['folder', 'sub', 'b.txt'] for a dropped folder. */
  path: string[]
  file: File
}

async function* chunks(file: Blob): AsyncIterable<Uint8Array> {
  const reader = file.stream().getReader()
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return
      yield value
    }
  } finally {
    reader.releaseLock()
  }
}

export interface SeedResult {
  torrent: Uint8Array
  metainfo: Metainfo
  store: OpfsPieceStore
}

export async function seedFiles(
  files: readonly DroppedFile[],
  options: { name?: string; announce: string[]; persistence?: BitfieldPersistence; onProgress?: (hashedBytes: number) => void },
): Promise<SeedResult> {
  const { torrent, metainfo } = await createTorrent(
    files.map((f) => ({ path: f.path, length: f.file.size, stream: () => chunks(f.file) })),
    {
      ...(options.name !== undefined ? { name: options.name } : {}),
      announce: options.announce.map((u) => [u]),
      createdBy: 'swarmdrop',
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    },
  )
  // The torrent's files in torrent order, matched back to what was dropped (createTorrent sorts them
  // and may strip a common top folder, so match on the path's tail).
  const sources = metainfo.files.map((tf) => {
    const match = files.find((f) => f.path.join('/') === tf.path.join('/') || f.path.slice(1).join('/') === tf.path.join('/'))
    if (!match && !tf.padding) throw new Error(`internal: no dropped file for ${tf.path.join('/')}`)
    return match?.file ?? new Blob([new Uint8Array(tf.length)])
  })
  // A Blob of Files refers to them (no copy); slices read from disk one piece at a time.
  const whole = new Blob(sources)
  const store = await OpfsPieceStore.open(layoutOf(metainfo), options.persistence ? { persistence: options.persistence } : {})
  for (let i = 0; i < metainfo.pieceCount; i++) {
    const begin = i * metainfo.pieceLength
    const piece = new Uint8Array(await whole.slice(begin, begin + store.pieceSize(i)).arrayBuffer())
    await store.write(i, piece)
  }
  return { torrent, metainfo, store }
}
