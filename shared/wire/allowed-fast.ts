// BEP 6 allowed-fast set: the canonical generator, so that both ends of a connection (and every
// client) derive the same set for a given peer IP and torrent.
import { sha1 } from '../hash.ts'

/** No sane allowed-fast set is larger than this (BEP 6 suggests 10); bounds the hashing loop. */
export const MAX_ALLOWED_FAST = 256

function parseIPv4(ip: string): Uint8Array {
  const parts = ip.split('.')
  if (parts.length !== 4 || !parts.every((p) => /^(0|[1-9][0-9]{0,2})$/.test(p) && Number(p) <= 255)) {
    throw new RangeError(`not a dotted IPv4 address: ${ip.slice(0, 64)}`)
  }
  return new Uint8Array(parts.map(Number))
}

/**
 * x = (ip & 0xFFFFFF00) ++ infoHash; repeat x = SHA1(x) and read it as five big-endian u32s,
 * each taken modulo the piece count, keeping the first k distinct indices (BEP 6, "Allowed Fast").
 * The mask keeps one peer with many addresses in a /24 from collecting several sets.
 * `hash` is SHA-1 (WebCrypto by default); the engine passes its Hasher port's, so that a simulated
 * swarm never waits on real asynchronous hashing while its virtual clock runs on.
 */
export async function allowedFastSet(
  k: number,
  ipv4: string,
  infoHash: Uint8Array,
  pieceCount: number,
  hash: (data: Uint8Array) => Promise<Uint8Array> = sha1,
): Promise<number[]> {
  if (infoHash.length !== 20) throw new RangeError(`info hash must be 20 bytes, got ${infoHash.length}`)
  if (!Number.isInteger(pieceCount) || pieceCount < 1) throw new RangeError(`piece count must be positive, got ${pieceCount}`)
  if (!Number.isInteger(k) || k < 0) throw new RangeError(`k must be a non-negative integer, got ${k}`)
  // A set can never hold more distinct indices than there are pieces.
  const want = Math.min(k, pieceCount, MAX_ALLOWED_FAST)
  const ip = parseIPv4(ipv4)
  let x: Uint8Array = new Uint8Array(24)
  x.set(ip.subarray(0, 3), 0) // the fourth octet stays zero: ip & 0xFFFFFF00
  x.set(infoHash, 4)
  const set: number[] = []
  const seen = new Set<number>()
  while (set.length < want) {
    x = await hash(x)
    const view = new DataView(x.buffer, x.byteOffset, x.byteLength)
    for (let i = 0; i < 5 && set.length < want; i++) {
      const index = view.getUint32(i * 4) % pieceCount
      if (!seen.has(index)) {
        seen.add(index)
        set.push(index)
      }
    }
  }
  return set
}
