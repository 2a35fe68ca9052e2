import { bytesEqual } from '../../shared/bytes.ts'
import { sha1 } from '../../shared/hash.ts'
import { createTorrent, parseTorrent, type Metainfo } from '../../shared/metainfo/index.ts'
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
  const store = await copyIntoStore(metainfo, files, options.persistence, false)
  return { torrent, metainfo, store }
}

/**
 * Seed an existing .torrent from the user's copy of its files: each piece is checked against the
 * torrent's SHA-1 before it is stored; a mismatch throws (these are not the torrent's files).
 */
export async function seedExisting(torrentBytes: Uint8Array, files: readonly DroppedFile[], persistence?: BitfieldPersistence): Promise<SeedResult> {
  const metainfo = await parseTorrent(torrentBytes)
  const store = await copyIntoStore(metainfo, files, persistence, true)
  return { torrent: torrentBytes, metainfo, store }
}

async function copyIntoStore(metainfo: Metainfo, files: readonly DroppedFile[], persistence: BitfieldPersistence | undefined, verify: boolean): Promise<OpfsPieceStore> {
  // The torrent's files in torrent order, matched back to what was dropped (createTorrent sorts them
  // and may strip a common top folder, so match on the path's tail).
  const sources = metainfo.files.map((tf) => {
    const match = files.find((f) => f.path.join('/') === tf.path.join('/') || f.path.slice(1).join('/') === tf.path.join('/'))
    if (!match && !tf.padding) throw new Error(`no file ${tf.path.join('/')} among those given`)
    if (match && match.file.size !== tf.length) throw new Error(`${tf.path.join('/')} is ${match.file.size} bytes, the torrent says ${tf.length}`)
    return match?.file ?? new Blob([new Uint8Array(tf.length)])
  })
  // A Blob of Files refers to them (no copy); slices read from disk one piece at a time.
  const whole = new Blob(sources)
  const store = await OpfsPieceStore.open(layoutOf(metainfo), persistence ? { persistence } : {})
  try {
    for (let i = 0; i < metainfo.pieceCount; i++) {
      const begin = i * metainfo.pieceLength
      const piece = new Uint8Array(await whole.slice(begin, begin + store.pieceSize(i)).arrayBuffer())
      if (verify && !bytesEqual(await sha1(piece), metainfo.pieceHashes.subarray(i * 20, i * 20 + 20))) {
        throw new Error(`piece ${i} does not match the torrent: these are not its files`)
      }
      await store.write(i, piece)
    }
  } catch (err) {
    await store.close()
    throw err
  }
  return store
}
