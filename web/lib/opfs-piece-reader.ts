import { recheckPieces } from '../../shared/engine/index.ts'
import { webCryptoHasher } from '../../shared/hash.ts'
import { fileStarts, spansOf, type TorrentInfo } from '../../shared/metainfo/index.ts'
import { bitfieldFile, fileHandle, torrentDir } from './opfs-paths.ts'
import type { Active } from './torrent-snapshot.ts'

// Reading a torrent's pieces straight from its OPFS files, whatever the bitfield says: for a re-check
// (shared/engine/recheck.ts), while the torrent is paused (its store closed, so no sync access handle
// holds the files). Padding files are zeros by definition (BEP 47) and are not stored.

export function opfsPieceReader(info: TorrentInfo): (index: number) => Promise<Uint8Array | null> {
  const starts = fileStarts(info.files.map((f) => f.length))
  const files = new Map<number, Promise<File | null>>()
  const fileOf = (i: number): Promise<File | null> => {
    let f = files.get(i)
    if (!f) {
      f = torrentDir(info.infoHashHex, false)
        .then((dir) => fileHandle(dir, info.files[i]!.path, false))
        .then((h) => h.getFile())
        .catch(() => null)
      files.set(i, f)
    }
    return f
  }
  return async (index) => {
    const begin = index * info.pieceLength
    const length = Math.min(info.pieceLength, info.length - begin)
    const out = new Uint8Array(length)
    for (const s of spansOf(starts, begin, length)) {
      if (info.files[s.fileIndex]!.padding) continue
      const file = await fileOf(s.fileIndex)
      if (!file || file.size < s.fileOffset + s.length) return null
      out.set(new Uint8Array(await file.slice(s.fileOffset, s.fileOffset + s.length).arrayBuffer()), s.rangeOffset)
    }
    return out
  }
}

/** Replace the worker's own bitfield file (it wins over the library's copy on open). Store closed. */
export async function writeStoredBitfield(infoHashHex: string, bits: Uint8Array): Promise<void> {
  const w = await (await bitfieldFile(infoHashHex)).createWritable()
  await w.write(bits as Uint8Array<ArrayBuffer>)
  await w.close()
}

/** Re-check a paused torrent's stored pieces and record the result (both bitfields); `a.checked` counts. */
export async function recheckStored(a: Active, info: TorrentInfo, onChange: () => void): Promise<void> {
  a.checked = 0
  onChange()
  try {
    const good = (await recheckPieces(info, webCryptoHasher, opfsPieceReader(info), {
      onProgress: (checked) => {
        a.checked = checked
        onChange()
      },
    })).toWire()
    await writeStoredBitfield(a.record.infoHashHex, good)
    a.persistence.save(good)
    await a.persistence.flush()
    a.storedBits = good
  } finally {
    a.checked = null
    onChange()
  }
}
