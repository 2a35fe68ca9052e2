// How the shared tracker writes what it keeps in Redis (lua/swarm.lua has the layout) and what nodes
// say to each other on their channels. Info hashes are hex in key names (an operator can read them
// with redis-cli); peer ids, addresses and fields are the bytes themselves, sent as Buffers (ioredis
// would send a JS string as UTF-8).

import ipaddr from 'ipaddr.js'
import type { ClassicPeerView, PeerAddress } from '../requests.ts'

export const hexOf = (binary: string): string => Buffer.from(binary, 'latin1').toString('hex')
export const bytes = (binary: string): Buffer => Buffer.from(binary, 'latin1')
export const text = (b: unknown): string => (Buffer.isBuffer(b) ? b.toString('latin1') : String(b))

/** A browser peer's field in its swarm's hash. */
export const rtcField = (peerId: string): Buffer => Buffer.from('w' + peerId, 'latin1')

/** A classic peer as a script returns it: kind ('4' / '6'), state, compact address, then the peer_id. */
export function classicPeerOf(value: Buffer): ClassicPeerView | null {
  const family = value[0] === 0x34 ? 4 : value[0] === 0x36 ? 6 : 0
  const size = family === 4 ? 6 : 18
  if (family === 0 || value.length !== 2 + size + 20) return null
  const compact = value.toString('latin1', 2, 2 + size)
  const port = value.readUInt16BE(2 + size - 2)
  const ip = family === 4
    ? `${value[2]}.${value[3]}.${value[4]}.${value[5]}`
    : ipaddr.fromByteArray([...value.subarray(2, 18)]).toString()
  const owner: PeerAddress = { ip, port, family, compact }
  return { peerId: value.toString('latin1', 2 + size), owner }
}

/**
 * A message for another node: an offer for a browser peer whose socket it holds, or an answer for
 * the offerer. The header routes it; `body` is the WebSocket message itself, encoded by the sending
 * node, which the receiving node passes on as it is.
 */
export interface NodeMessage {
  kind: 'offer' | 'answer'
  infoHash: string
  /** The peer whose socket should get `body`. */
  toPeerId: string
  /** Offers: who sent it and from which node (the answer goes back there), and its id. */
  fromPeerId: string
  fromNode: string
  offerId: string
  body: string
}

export function encodeNodeMessage(m: NodeMessage): string {
  return JSON.stringify([m.kind === 'offer' ? 'o' : 'a', m.infoHash, m.toPeerId, m.fromPeerId, m.fromNode, m.offerId]) + '\n' + m.body
}

/** Null when the text is not a node message (another tracker version, a stray publish). */
export function decodeNodeMessage(s: string): NodeMessage | null {
  const nl = s.indexOf('\n')
  if (nl === -1) return null
  let h: unknown
  try {
    h = JSON.parse(s.slice(0, nl))
  } catch {
    return null
  }
  if (!Array.isArray(h) || h.length !== 6 || !h.every(x => typeof x === 'string') || (h[0] !== 'o' && h[0] !== 'a')) return null
  const [kind, infoHash, toPeerId, fromPeerId, fromNode, offerId] = h as string[]
  return { kind: kind === 'o' ? 'offer' : 'answer', infoHash: infoHash as string, toPeerId: toPeerId as string, fromPeerId: fromPeerId as string, fromNode: fromNode as string, offerId: offerId as string, body: s.slice(nl + 1) }
}
