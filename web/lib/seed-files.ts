import { createTorrent, type Metainfo, type MetaVersion, type TorrentInfo } from '../../shared/metainfo/index.ts'
import { toHex } from '../../shared/bytes.ts'
import { HASH_SIZE } from '../../shared/merkle/index.ts'
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

/**
 * The version the page shares in by default: v1. A hybrid (BEP 52; `metaVersion: 'hybrid'`) lets
 * WebTorrent and libtorrent join through its v1 half while v2 peers verify by SHA-256 and name a
 * single corrupt block, but not every v1 client reads one: aria2 1.36 (Debian 12's) drops the
 * empty-named keys of the file tree and so computes a wrong v1 info hash for any hybrid torrent
 * (libtorrent's too; aria2 1.37 fixed it), so it never finds the swarm, and Transmission 3 refuses the
 * file. A hybrid also hashes every piece twice (SHA-1 and the merkle leaves: more than twice the CPU
 * before the link is ready). Compatibility first: the person picks hybrid or v2 in the Settings
 * (settings.ts `shareAs`).
 */
export const SHARE_META_VERSION: MetaVersion = 1

/** Hash dropped files (in the workers, several pieces at once) into a .torrent; nothing is stored. */
export async function createFromDrop(
  files: readonly DroppedFile[],
  options: Progress & { name?: string; announce: string[]; metaVersion?: MetaVersion },
): Promise<{ torrent: Uint8Array; metainfo: Metainfo; source: Blob }> {
  const inputs = files.map((f) => ({ path: f.path, length: f.file.size, file: f.file, stream: () => chunks(f.file) }))
  const metaVersion = options.metaVersion ?? SHARE_META_VERSION
  const { torrent, metainfo } = await createTorrent(inputs, {
    ...(options.name !== undefined ? { name: options.name } : {}),
    announce: options.announce.map((u) => [u]),
    createdBy: 'swarmdrop',
    metaVersion,
    hashContent: async (plan) => {
      // The piece space: the files in torrent order with zeros for the padding between them (v2, hybrid).
      const zeros = zeroBlob(plan.pieceLength)
      const source = new Blob(plan.layout.map((e) => (e.input ? e.input.file : zeros.slice(0, e.length))))
      const v2Files = plan.metaVersion === 1 ? undefined : plan.layout
      const hashed = await hashPieces(source, { pieceLength: plan.pieceLength, sha1: plan.metaVersion !== 2, ...(v2Files ? { v2Files } : {}), ...progressOf(options) })
      return { ...(plan.metaVersion !== 2 ? { pieces: hashed.pieces } : {}), ...(hashed.pieceRoots ? { pieceRoots: hashed.pieceRoots } : {}) }
    },
  })
  return { torrent, metainfo, source: sourceOf(metainfo, files) }
}

/** Zeros for padding (a pad is shorter than a piece): one buffer, sliced, not one per pad file. */
function zeroBlob(pieceLength: number): Blob {
  return new Blob([new Uint8Array(pieceLength)])
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
  const zeros = zeroBlob(info.pieceLength)
  const parts = info.files.map((tf) => {
    if (tf.padding) return zeros.slice(0, tf.length)
    const want = tf.path.join('/')
    const match = single ? files[0] : files.find((f) => f.path.join('/') === want || f.path.slice(1).join('/') === want)
    if (!match) throw new WrongFilesError(`no file ${want} among those given`)
    if (match.file.size !== tf.length) throw new WrongFilesError(`${match.path.join('/')} is ${match.file.size} bytes, the torrent's ${want} is ${tf.length}`)
    return match.file
  })
  return new Blob(parts)
}

/**
 * Check `pieces` of `source` against the torrent's hashes; throws MismatchError at the first bad one.
 * v1 by SHA-1; a v2-only torrent by each piece's merkle root (its piece layers must be known); a
 * hybrid by SHA-1 (its v1 half; the engine checks both when it downloads).
 */
export async function checkSource(info: TorrentInfo & { pieceLayers?: ReadonlyMap<string, Uint8Array> }, source: Blob, pieces: readonly number[], options: Progress = {}): Promise<void> {
  if (source.size !== info.length) throw new WrongFilesError(`the files hold ${source.size} bytes, the torrent ${info.length}`)
  const common = { pieceLength: info.pieceLength, pieces, stopAtMismatch: true, ...progressOf(options) }
  if (info.metaVersion !== 2) {
    await hashPieces(source, { ...common, expected: info.pieceHashes })
    return
  }
  await hashPieces(source, { ...common, sha1: false, v2Files: info.files, expectedRoots: expectedPieceRoots(info) })
}

/** A v2 torrent's hash of every piece: its piece layer's entry, or the pieces root of a one-piece file. */
export function expectedPieceRoots(info: TorrentInfo & { pieceLayers?: ReadonlyMap<string, Uint8Array> }): Uint8Array {
  const out = new Uint8Array(info.pieceCount * HASH_SIZE)
  for (const f of info.files) {
    if (f.padding || f.length === 0 || f.piecesRoot === undefined) continue
    const first = f.offset / info.pieceLength
    if (f.length <= info.pieceLength) {
      out.set(f.piecesRoot, first * HASH_SIZE)
      continue
    }
    const layer = info.pieceLayers?.get(toHex(f.piecesRoot))
    if (!layer) throw new WrongFilesError(`the torrent lacks the piece layer of ${f.path.join('/')}: its files cannot be checked`)
    out.set(layer, first * HASH_SIZE)
  }
  return out
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
