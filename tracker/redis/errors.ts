// Kept apart from store.ts so that main.ts can tell this error without loading the Redis client.

/** Redis could not be reached (or is unfit) when the tracker started. */
export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError'
}
