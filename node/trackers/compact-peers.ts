import { isBytes, isDict, isInt, isList, type BValue } from '../../shared/bencode/index.ts'
import type { PeerAddress } from '../dialer.ts'

// Peer lists in tracker replies: BEP 23 compact IPv4 (6 bytes a peer), BEP 7 compact IPv6 (18 bytes),
// and the original list of dicts (BEP 3: ip, port, peer id). Malformed entries are skipped, not fatal:
// one bad peer in a reply must not cost the others.

/** Compact peers: `size` 6 (IPv4 + port) or 18 (IPv6 + port). A trailing partial entry is ignored. */
export function parseCompactPeers(bytes: Uint8Array, size: 6 | 18, max: number): PeerAddress[] {
  const out: PeerAddress[] = []
  for (let at = 0; at + size <= bytes.length && out.length < max; at += size) {
    const port = (bytes[at + size - 2]! << 8) | bytes[at + size - 1]!
    if (port === 0) continue
    out.push({ ip: size === 6 ? ipv4(bytes, at) : ipv6(bytes, at), port })
  }
  return out
}

function ipv4(b: Uint8Array, at: number): string {
  return `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`
}

function ipv6(b: Uint8Array, at: number): string {
  const groups: string[] = []
  for (let i = 0; i < 16; i += 2) groups.push(((b[at + i]! << 8) | b[at + i + 1]!).toString(16))
  return groups.join(':')
}

/** The dict model: [{ ip, port, peer id }]. `ip` may be a name; only literal addresses are kept. */
export function parseDictPeers(list: BValue, max: number): PeerAddress[] {
  const out: PeerAddress[] = []
  if (!isList(list)) return out
  for (const entry of list) {
    if (out.length >= max) break
    if (!isDict(entry)) continue
    const ip = entry.get('ip')
    const port = entry.get('port')
    if (!isBytes(ip) || !isInt(port) || port < 1 || port > 65535 || ip.length > 64) continue
    out.push({ ip: new TextDecoder().decode(ip), port })
  }
  return out
}

/** Compact IPv4 bytes for one address (the tests' fake trackers and our own announce key). */
export function encodeCompactPeer(ip: string, port: number): Uint8Array {
  const out = new Uint8Array(6)
  ip.split('.').forEach((p, i) => (out[i] = Number(p)))
  out[4] = port >> 8
  out[5] = port & 0xff
  return out
}
