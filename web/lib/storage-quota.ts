import { formatBytes } from '../../shared/format.ts'

// Before a download starts: ask for persistent storage (so the browser does not evict a half-finished
// torrent under pressure) and check that what is still missing fits in the origin's quota.

export class QuotaError extends Error {
  override name = 'QuotaError'
  constructor(
    readonly neededBytes: number,
    readonly availableBytes: number,
  ) {
    super(`not enough storage: this torrent needs ${formatBytes(neededBytes)} more, the browser allows ${formatBytes(availableBytes)} more for this site`)
  }
}

export interface StorageCheck {
  persisted: boolean
  availableBytes: number
}

/** Throws QuotaError when `neededBytes` more will not fit. `persist()` may be refused: that is not fatal. */
export async function ensureRoomFor(neededBytes: number): Promise<StorageCheck> {
  let persisted = false
  try {
    persisted = (await navigator.storage.persisted()) || (await navigator.storage.persist())
  } catch {
    persisted = false
  }
  const { quota, usage } = await navigator.storage.estimate()
  const availableBytes = Math.max(0, (quota ?? 0) - (usage ?? 0))
  if (neededBytes > availableBytes) throw new QuotaError(neededBytes, availableBytes)
  return { persisted, availableBytes }
}

/** What the page tells the person about its storage. */
export interface StorageStatus {
  usageBytes: number
  quotaBytes: number
  /** The browser promised not to evict this site's data under storage pressure. */
  persisted: boolean
}

/** Usage and quota of this origin (`navigator.storage.estimate`) and whether storage is persistent. */
export async function storageStatus(): Promise<StorageStatus> {
  const { quota, usage } = await navigator.storage.estimate()
  let persisted = false
  try {
    persisted = await navigator.storage.persisted()
  } catch {
    persisted = false
  }
  return { usageBytes: usage ?? 0, quotaBytes: quota ?? 0, persisted }
}

/** Ask for persistent storage (browsers may ask the person, or decide from engagement); the answer. */
export async function requestPersistence(): Promise<boolean> {
  try {
    return await navigator.storage.persist()
  } catch {
    return false
  }
}
