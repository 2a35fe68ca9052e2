// Client addresses as the classic protocols need them: normalised text (an IPv4-mapped IPv6 address
// such as ::ffff:192.0.2.1 is the IPv4 address it maps, as dual-stack sockets report them) and the
// compact bytes peers receive (BEP 23: 4 address bytes + 2 port bytes; BEP 7: 16 + 2), which are also
// BEP 15's UDP peer entries. IPv6 text is parsed by ipaddr.js (the package express and proxy-addr
// use); dotted-quad IPv4, nearly every request, takes a fast path that allocates nothing but the result.

import ipaddr from 'ipaddr.js'
import type { PeerAddress } from './requests.ts'

export interface ParsedIp {
  /** Canonical text: dotted quad, or RFC 5952 IPv6. */
  ip: string
  family: 4 | 6
  /** The address bytes as a binary string (4 or 16 chars). */
  bytes: string
}

/** Strict dotted-quad IPv4 ("1.2.3.4", no leading zeros, no shorthand) as 4 bytes, or null. */
function parseDottedQuad(s: string): string | null {
  let out = ''
  let part = 0
  let digits = 0
  let parts = 0
  for (let i = 0; i <= s.length; i++) {
    const c = i < s.length ? s.charCodeAt(i) : 0x2e
    if (c === 0x2e) {
      if (digits === 0 || parts === 4) return null
      out += String.fromCharCode(part)
      parts++
      part = 0
      digits = 0
    } else if (c >= 0x30 && c <= 0x39) {
      if (digits > 0 && part === 0) return null // leading zero
      part = part * 10 + (c - 0x30)
      if (++digits > 3 || part > 255) return null
    } else return null
  }
  return parts === 4 ? out : null
}

/** A literal IP address (never a host name) as we store it, or null when `s` is not one. */
export function parseIp(s: string): ParsedIp | null {
  const v4 = parseDottedQuad(s)
  if (v4 !== null) return { ip: s, family: 4, bytes: v4 }
  if (s.startsWith('::ffff:')) {
    const mapped = parseDottedQuad(s.slice(7))
    if (mapped !== null) return { ip: s.slice(7), family: 4, bytes: mapped }
  }
  if (s.length > 64 || !s.includes(':')) return null
  const zone = s.indexOf('%')
  const text = zone === -1 ? s : s.slice(0, zone)
  if (!ipaddr.IPv6.isValid(text)) return null
  const v6 = ipaddr.IPv6.parse(text)
  if (v6.isIPv4MappedAddress()) {
    const mapped = v6.toIPv4Address()
    const bytes = String.fromCharCode(...mapped.toByteArray())
    return { ip: mapped.toString(), family: 4, bytes }
  }
  return { ip: v6.toRFC5952String(), family: 6, bytes: String.fromCharCode(...v6.toByteArray()) }
}

export function peerAddress(ip: ParsedIp, port: number): PeerAddress {
  return { ip: ip.ip, port, family: ip.family, compact: ip.bytes + String.fromCharCode(port >>> 8, port & 0xff) }
}

