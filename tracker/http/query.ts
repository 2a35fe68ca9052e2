// An announce or scrape URL's query, decoded to bytes. BitTorrent clients percent-encode `info_hash`
// and `peer_id` byte by byte (BEP 3), so every value decodes to a binary string, one char per byte:
// URLSearchParams would decode UTF-8 and mangle every byte above 0x7f. `+` is a space, as in any
// form-encoded query (clients that follow RFC 3986 send a literal plus as %2B).

import { rejected, type RejectedRequest } from '../requests.ts'

export type Query = Map<string, string[]>

const hexValue = (c: number): number =>
  c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : c >= 0x41 && c <= 0x46 ? c - 0x37 : -1

/** Percent-decode `s[from, to)` to a binary string, or null on a broken escape or a char above 0xff. */
export function decodeComponent(s: string, from: number, to: number): string | null {
  let plain = true
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i)
    if (c === 0x25 || c === 0x2b || c > 0xff) {
      plain = false
      break
    }
  }
  if (plain) return s.slice(from, to)
  let out = ''
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i)
    if (c === 0x25) {
      if (i + 2 >= to) return null
      const hi = hexValue(s.charCodeAt(i + 1))
      const lo = hexValue(s.charCodeAt(i + 2))
      if (hi < 0 || lo < 0) return null
      out += String.fromCharCode((hi << 4) | lo)
      i += 2
    } else if (c === 0x2b) out += ' '
    else if (c > 0xff) return null
    else out += s[i]
  }
  return out
}

/**
 * `a=1&b=%20x&b=y` -> { a: ['1'], b: [' x', 'y'] }. At most `maxParams` pairs (a scrape names one
 * info_hash per pair); a pair without `=` has the empty value; empty pairs (`a=1&&b=2`) are skipped.
 */
export function parseQuery(q: string, maxParams: number): Query | RejectedRequest {
  const out: Query = new Map()
  let pairs = 0
  let start = 0
  const n = q.length
  while (start <= n) {
    let end = q.indexOf('&', start)
    if (end === -1) end = n
    if (end > start) {
      if (++pairs > maxParams) return rejected('bad_query', `too many query parameters (at most ${maxParams})`)
      let eq = q.indexOf('=', start)
      if (eq === -1 || eq > end) eq = end
      const key = decodeComponent(q, start, eq)
      const value = eq < end ? decodeComponent(q, eq + 1, end) : ''
      if (key === null || value === null) return rejected('bad_query', 'malformed percent-encoding in the query')
      const list = out.get(key)
      if (list === undefined) out.set(key, [value])
      else list.push(value)
    }
    start = end + 1
  }
  return out
}
