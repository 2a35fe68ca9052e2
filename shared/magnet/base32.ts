// RFC 4648 base32 (no padding), as old magnet links carry 20-byte info hashes in 32 characters.
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'

/** Decodes base32 (case-insensitive). Returns null unless every character is in the alphabet and
 * the length is a whole number of bytes with zero trailing bits. */
export function base32Decode(text: string): Uint8Array | null {
  const s = text.toUpperCase()
  if ((s.length * 5) % 8 !== 0) return null
  const out = new Uint8Array((s.length * 5) / 8)
  let bits = 0
  let acc = 0
  let at = 0
  for (const c of s) {
    const v = ALPHABET.indexOf(c)
    if (v < 0) return null
    acc = ((acc << 5) | v) & 0xffff
    bits += 5
    if (bits >= 8) {
      bits -= 8
      out[at++] = (acc >> bits) & 0xff
    }
  }
  return out
}

export function base32Encode(bytes: Uint8Array): string {
  let s = ''
  let acc = 0
  let bits = 0
  for (const b of bytes) {
    acc = ((acc << 8) | b) & 0xffff
    bits += 8
    while (bits >= 5) {
      bits -= 5
      s += ALPHABET[(acc >> bits) & 31]
    }
  }
  if (bits > 0) s += ALPHABET[(acc << (5 - bits)) & 31]
  return s
}
