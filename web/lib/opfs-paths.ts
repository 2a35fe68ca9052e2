// Where torrents live in the Origin Private File System: /torrents/<info hash hex>/<the torrent's own
// file paths>. One OPFS file per torrent file (not one backing file per torrent) because saving is the
// point of a download: a finished file is then already the user's file, and save.ts streams it out
// as-is (File from getFile() is disk-backed), a folder torrent is a folder; no re-slicing on save.
// Works in the page and in a dedicated worker (both have navigator.storage.getDirectory()).

const ROOT = 'torrents'
/** Piece bitfields kept by the OPFS worker, outside the torrent's folder so no torrent file can collide. */
const BITFIELDS = 'bitfields'

/** OPFS rejects '/', '\\' and the names '.' and '..'; the metainfo parser already refuses them, this
 *  is the last line: a bad name ends in a TypeError, never a path outside the torrent's folder. */
export function checkName(name: string): string {
  if (name === '' || name === '.' || name === '..' || /[/\\\0]/.test(name)) throw new TypeError(`unsafe file name in torrent: ${JSON.stringify(name.slice(0, 100))}`)
  return name
}

export async function torrentDir(infoHashHex: string, create: boolean): Promise<FileSystemDirectoryHandle> {
  if (!/^[0-9a-f]{40}$/.test(infoHashHex)) throw new TypeError(`not an info hash: ${infoHashHex.slice(0, 60)}`)
  const root = await navigator.storage.getDirectory()
  const torrents = await root.getDirectoryHandle(ROOT, { create: true })
  return torrents.getDirectoryHandle(infoHashHex, { create })
}

export async function fileHandle(dir: FileSystemDirectoryHandle, path: readonly string[], create: boolean): Promise<FileSystemFileHandle> {
  if (path.length === 0) throw new TypeError('empty file path')
  let at = dir
  for (const part of path.slice(0, -1)) at = await at.getDirectoryHandle(checkName(part), { create })
  return at.getFileHandle(checkName(path[path.length - 1]!), { create })
}

export async function bitfieldFile(infoHashHex: string): Promise<FileSystemFileHandle> {
  if (!/^[0-9a-f]{40}$/.test(infoHashHex)) throw new TypeError(`not an info hash: ${infoHashHex.slice(0, 60)}`)
  const root = await navigator.storage.getDirectory()
  return (await root.getDirectoryHandle(BITFIELDS, { create: true })).getFileHandle(infoHashHex, { create: true })
}

/** Remove a torrent's data and its bitfield. Missing data is not an error. */
export async function deleteTorrentData(infoHashHex: string): Promise<void> {
  const root = await navigator.storage.getDirectory()
  for (const [dir, recursive] of [[ROOT, true], [BITFIELDS, false]] as const) {
    try {
      await (await root.getDirectoryHandle(dir, { create: true })).removeEntry(infoHashHex, { recursive })
    } catch (err) {
      if (!(err instanceof DOMException && err.name === 'NotFoundError')) throw err
    }
  }
}

/** Info hashes (hex) that have data in OPFS. */
export async function storedTorrents(): Promise<string[]> {
  const root = await navigator.storage.getDirectory()
  const torrents = await root.getDirectoryHandle(ROOT, { create: true })
  const out: string[] = []
  for await (const name of (torrents as unknown as { keys(): AsyncIterable<string> }).keys()) out.push(name)
  return out
}
