// Our peer id (BEP 20, Azureus style): client "SD", version 0.1.0, then 12 random bytes. The tab and the
// Node peer use the same prefix, so other clients show both as swarmdrop.
export const PEER_ID_PREFIX = '-SD0100-'

export function newPeerId(): Uint8Array {
  const id = new Uint8Array(20)
  id.set(new TextEncoder().encode(PEER_ID_PREFIX))
  crypto.getRandomValues(id.subarray(8))
  return id
}
