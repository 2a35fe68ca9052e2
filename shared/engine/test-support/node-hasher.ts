import { createHash } from 'node:crypto'
import type { Hasher } from '../ports.ts'

/** SHA-1 via node:crypto, resolved immediately: simulated swarms stay deterministic. */
export const nodeHasher: Hasher = {
  sha1: (data) => Promise.resolve(new Uint8Array(createHash('sha1').update(data).digest())),
  sha256: (data) => Promise.resolve(new Uint8Array(createHash('sha256').update(data).digest())),
}
