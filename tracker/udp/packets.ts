// BEP 15 packets, both directions. All integers are big-endian. Requests start with
// connection_id (8 bytes; the magic protocol id for connect), action (4), transaction_id (4):
//   connect  0: 16 bytes                      -> action, txn, connection_id           (16 bytes)
//   announce 1: + info_hash 20, peer_id 20, downloaded 8, left 8, uploaded 8, event 4, ip 4, key 4,
//               num_want 4 (signed, -1 = default), port 2 = 98 bytes (BEP 41 options may follow)
//                                            -> action, txn, interval, leechers, seeders, peers (6 or 18 bytes each)
//   scrape   2: + info_hash 20 x n            -> action, txn, then seeders, completed, leechers per hash
//   error    3:                              <- action, txn, message
// The peer entries' size follows the address family of the packet's source (BEP 15, IPv6 section).

import type { Limits } from '../limits.ts'
import { rejected, type AnnounceEvent, type ClassicPeerView, type RejectedRequest, type SwarmCounts } from '../requests.ts'

export const Action = { connect: 0, announce: 1, scrape: 2, error: 3 } as const

/** 0x41727101980, the connect request's protocol id, as its two 32-bit halves. */
const PROTOCOL_ID_HI = 0x417
const PROTOCOL_ID_LO = 0x27101980

export const HEADER_BYTES = 16
export const ANNOUNCE_BYTES = 98
const ANNOUNCE_REPLY_HEADER = 20

export const isConnectMagic = (p: Buffer): boolean => p.readUInt32BE(0) === PROTOCOL_ID_HI && p.readUInt32BE(4) === PROTOCOL_ID_LO

export interface UdpAnnounce {
  infoHash: string
  peerId: string
  left: number
  event: AnnounceEvent
  /** -1 (or any negative) means "the tracker's default". */
  numwant: number
  port: number
}

const EVENTS: readonly AnnounceEvent[] = ['update', 'completed', 'started', 'stopped']

const u64 = (p: Buffer, at: number): number => p.readUInt32BE(at) * 0x1_0000_0000 + p.readUInt32BE(at + 4)

/** The announce body; the header (and connection id) was checked by the caller. */
export function parseAnnounce(p: Buffer): UdpAnnounce | RejectedRequest {
  if (p.length < ANNOUNCE_BYTES) return rejected('short_packet', 'announce shorter than 98 bytes')
  const infoHash = p.toString('latin1', 16, 36)
  const eventCode = p.readUInt32BE(80)
  const event = EVENTS[eventCode]
  if (event === undefined) return rejected('bad_event', 'invalid event', infoHash)
  const port = p.readUInt16BE(96)
  if (port === 0) return rejected('bad_port', 'invalid port', infoHash)
  return { infoHash, peerId: p.toString('latin1', 36, 56), left: u64(p, 64), event, numwant: p.readInt32BE(92), port }
}

/** The info hashes of a scrape: 1 to maxUdpScrapeHashes of them. Trailing bytes short of a hash are ignored. */
export function parseScrape(p: Buffer, limits: Limits): string[] | RejectedRequest {
  const n = Math.floor((p.length - HEADER_BYTES) / 20)
  if (n === 0) return rejected('no_info_hash', 'scrape names no info_hash')
  if (n > limits.maxUdpScrapeHashes) return rejected('too_many_hashes', `too many info hashes (at most ${limits.maxUdpScrapeHashes})`)
  const out: string[] = []
  for (let i = 0; i < n; i++) out.push(p.toString('latin1', HEADER_BYTES + i * 20, HEADER_BYTES + i * 20 + 20))
  return out
}

/** Peers that fit in one reply of at most maxBytes, for entries of this family. */
export const peersThatFit = (maxBytes: number, family: 4 | 6): number => Math.floor((maxBytes - ANNOUNCE_REPLY_HEADER) / (family === 4 ? 6 : 18))

export function encodeConnect(txn: number): Buffer {
  const out = Buffer.allocUnsafe(16)
  out.writeUInt32BE(Action.connect, 0)
  out.writeUInt32BE(txn, 4)
  return out // the caller writes the connection id at 8
}

export function encodeAnnounce(txn: number, interval: number, counts: SwarmCounts, peers: readonly ClassicPeerView[]): Buffer {
  // One string, one write: a write per peer cost more than the rest of the reply.
  let entries = ''
  for (const p of peers) entries += p.owner.compact
  const out = Buffer.allocUnsafe(ANNOUNCE_REPLY_HEADER + entries.length)
  out.writeUInt32BE(Action.announce, 0)
  out.writeUInt32BE(txn, 4)
  out.writeUInt32BE(interval, 8)
  out.writeUInt32BE(Math.min(counts.incomplete, 0xffffffff), 12)
  out.writeUInt32BE(Math.min(counts.complete, 0xffffffff), 16)
  out.write(entries, ANNOUNCE_REPLY_HEADER, 'latin1')
  return out
}

export function encodeScrape(txn: number, counts: readonly SwarmCounts[]): Buffer {
  const out = Buffer.allocUnsafe(8 + 12 * counts.length)
  out.writeUInt32BE(Action.scrape, 0)
  out.writeUInt32BE(txn, 4)
  let at = 8
  for (const c of counts) {
    out.writeUInt32BE(Math.min(c.complete, 0xffffffff), at)
    out.writeUInt32BE(Math.min(c.downloaded, 0xffffffff), at + 4)
    out.writeUInt32BE(Math.min(c.incomplete, 0xffffffff), at + 8)
    at += 12
  }
  return out
}

/**
 * An error packet of at most `maxBytes` (the message is cut to fit; null when not even the header
 * fits). Before a valid connect the caller passes the request's own size: a spoofed source address
 * must not turn us into an amplifier.
 */
export function encodeError(txn: number, message: string, maxBytes: number): Buffer | null {
  if (maxBytes < 8) return null
  const text = Buffer.from(message, 'utf8').subarray(0, maxBytes - 8)
  const out = Buffer.allocUnsafe(8 + text.length)
  out.writeUInt32BE(Action.error, 0)
  out.writeUInt32BE(txn, 4)
  text.copy(out, 8)
  return out
}
