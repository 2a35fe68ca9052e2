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
