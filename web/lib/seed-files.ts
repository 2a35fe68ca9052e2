import { createTorrent, type Metainfo, type TorrentInfo } from '../../shared/metainfo/index.ts'
import { hashPieces } from './hash-pool.ts'
import { WEB_LIMITS } from './limits.ts'
import type { OpfsPieceStore } from './opfs-store.ts'

// Seeding the user's own files. The share link comes first: the files are hashed straight from the
// File objects in the hash workers (hash-pool.ts) and the torrent is shared from them at once
// (torrent-store.ts serves pieces from the File); the copy into OPFS runs behind it, and once it is
// done the torrent survives a reload without the user doing anything.
//
// Why a copy and not a persisted file handle: a dropped or picked File cannot be reopened after a
// reload; only a FileSystemFileHandle can, and only in Chromium, and it needs the user to grant read
// permission again (requestPermission wants a user gesture), so seeding would stop until they click.
// The copy costs disk space and a second read of the files; it makes "reload the seeder: it seeds
// again without the user doing anything" true everywhere OPFS exists. A reload before the copy is
// done keeps what was copied; picking the file again (checked against the torrent) finishes it.

export interface DroppedFile {
  /** Path segments: ['a.txt'], or ['folder', 'sub', 'b.txt'] for a dropped folder. */
  path: string[]
  file: File
}

/** The files given are not the torrent's (missing, of another size, or other bytes). */
export class WrongFilesError extends Error {
  override name = 'WrongFilesError'
}

export interface Progress {
  signal?: AbortSignal
  onProgress?: (doneBytes: number) => void
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

/** Hash dropped files (in the workers, several pieces at once) into a .torrent; nothing is stored. */
export async function createFromDrop(
  files: readonly DroppedFile[],
  options: Progress & { name?: string; announce: string[] },
): Promise<{ torrent: Uint8Array; metainfo: Metainfo; source: Blob }> {
  const inputs = files.map((f) => ({ path: f.path, length: f.file.size, file: f.file, stream: () => chunks(f.file) }))
  const { torrent, metainfo } = await createTorrent(inputs, {
    ...(options.name !== undefined ? { name: options.name } : {}),
    announce: options.announce.map((u) => [u]),
    createdBy: 'swarmdrop',
    hashContent: async (plan) => {
      const source = new Blob(plan.files.map((f) => f.file))
      const { pieces } = await hashPieces(source, { pieceLength: plan.pieceLength, ...progressOf(options) })
      return { pieces }
    },
  })
  return { torrent, metainfo, source: sourceOf(metainfo, files) }
}

function progressOf(p: Progress): Progress {
  return { ...(p.signal ? { signal: p.signal } : {}), ...(p.onProgress ? { onProgress: p.onProgress } : {}) }
}

/**
 * The torrent's whole byte range as one Blob of the user's files in torrent order (BEP 47 padding
 * as zeros). A Blob of Files refers to them: nothing is read or copied here. Files are matched on
 * their path (createTorrent may strip a common top folder, so on the path's tail too) and size.
 */
export function sourceOf(info: TorrentInfo, files: readonly DroppedFile[]): Blob {
  const single = files.length === 1 && info.files.length === 1
  const parts = info.files.map((tf) => {
    if (tf.padding) return new Blob([new Uint8Array(tf.length)])
    const want = tf.path.join('/')
    const match = single ? files[0] : files.find((f) => f.path.join('/') === want || f.path.slice(1).join('/') === want)
    if (!match) throw new WrongFilesError(`no file ${want} among those given`)
    if (match.file.size !== tf.length) throw new WrongFilesError(`${match.path.join('/')} is ${match.file.size} bytes, the torrent's ${want} is ${tf.length}`)
    return match.file
  })
  return new Blob(parts)
}

/** Check `pieces` of `source` against the torrent's hashes; throws MismatchError at the first bad one. */
export async function checkSource(info: TorrentInfo, source: Blob, pieces: readonly number[], options: Progress = {}): Promise<void> {
  if (source.size !== info.length) throw new WrongFilesError(`the files hold ${source.size} bytes, the torrent ${info.length}`)
  await hashPieces(source, { pieceLength: info.pieceLength, pieces, expected: info.pieceHashes, stopAtMismatch: true, ...progressOf(options) })
}

/**
 * Copy the pieces `store` lacks from `source` into OPFS, a few at a time (each read and written in
 * the OPFS worker). Resolves when every piece is stored; rejects on abort (what was copied stays
 * copied) or a read error (a file changed or vanished).
 */
export async function copyIntoStore(store: OpfsPieceStore, source: Blob, options: Progress = {}): Promise<void> {
  const todo = store.missing()
  let done = 0
  let next = 0
  const worker = async () => {
    while (next < todo.length) {
      options.signal?.throwIfAborted()
      const index = todo[next++]!
      await store.copyFrom(index, source)
      done += store.pieceSize(index)
      options.onProgress?.(done)
    }
  }
  await Promise.all(Array.from({ length: WEB_LIMITS.copyPiecesInFlight }, worker))
}

/** Bytes of the pieces not yet in `store`. */
export function missingBytes(store: OpfsPieceStore): number {
  return store.missing().reduce((n, i) => n + store.pieceSize(i), 0)
}
