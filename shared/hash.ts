import type { Hasher } from './engine/ports.ts'

// WebCrypto is present in every browser and in Node >= 20 as globalThis.crypto, so one hasher
// serves both. WebCrypto's digest wants a buffer it may read in place; a view over a larger or
// shared buffer is copied into its own ArrayBuffer first.
function ownBuffer(data: Uint8Array): Uint8Array<ArrayBuffer> {
  if (data.buffer instanceof ArrayBuffer && data.byteOffset === 0 && data.byteLength === data.buffer.byteLength) {
    return data as Uint8Array<ArrayBuffer>
  }
  return new Uint8Array(data) as Uint8Array<ArrayBuffer>
}

export async function sha1(data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-1', ownBuffer(data)))
}

export async function sha256(data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', ownBuffer(data)))
}

export const webCryptoHasher: Hasher = { sha1, sha256 }
