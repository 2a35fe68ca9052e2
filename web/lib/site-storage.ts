import type { Library } from './library.ts'
import { deleteTorrentData, storedTorrents } from './opfs-paths.ts'
import { storageStatus, type StorageStatus } from './storage-quota.ts'

// What this site keeps in the browser, for the settings: the origin's usage and quota, whether the
// browser promised to keep it (persistent storage), and the data of torrents removed from the library
// with their data kept (adding one again resumes it; freeing deletes it).

export interface SiteStorage extends StorageStatus {
  /** Torrents whose data is in OPFS but which are no longer in the library. */
  unusedTorrents: string[]
}

export async function siteStorage(library: Library): Promise<SiteStorage> {
  const known = new Set((await library.list()).map((r) => r.infoHashHex))
  const unusedTorrents = (await storedTorrents()).filter((hex) => !known.has(hex))
  return { ...(await storageStatus()), unusedTorrents }
}

/** Delete the data of torrents no longer in the library; `inUse` are kept whatever the library says. */
export async function freeUnusedStorage(library: Library, inUse: ReadonlySet<string>): Promise<number> {
  const { unusedTorrents } = await siteStorage(library)
  const doomed = unusedTorrents.filter((hex) => !inUse.has(hex))
  for (const hex of doomed) await deleteTorrentData(hex)
  return doomed.length
}
