// What the socket layers (ws/, http/, udp/) hand the tracker core (tracker.ts), and what comes back:
// the one contract between the parts, as aquatic names every message its socket and swarm workers
// exchange. A socket layer turns bytes into one of these requests (or a RejectedRequest saying why it
// could not), the core answers through the reply it was given, and the socket layer encodes the
// answer in its own protocol. Ids are 20-character binary strings: one char per byte (latin1).

export type Protocol = 'ws' | 'http' | 'udp'
export const PROTOCOLS: readonly Protocol[] = ['ws', 'http', 'udp']

export type AnnounceEvent = 'started' | 'completed' | 'stopped' | 'paused' | 'update'

/**
 * Where a classic client accepts peer connections: its address as seen by us (or, behind a trusted
 * proxy, as the proxy says) and the port it announced. `compact` is the address as peers receive it:
 * BEP 23's 6 bytes (IPv4) or BEP 7's 18 bytes (IPv6), network order, as a binary string; BEP 15's
 * UDP peer entries are the same bytes.
 */
export interface PeerAddress {
  readonly ip: string
  readonly port: number
  readonly family: 4 | 6
  readonly compact: string
}

interface AnnounceFields {
  infoHash: string
  peerId: string
  event: AnnounceEvent
  /** Bytes left; Infinity when unknown (absent, null before metadata, garbage): unknown is not a seeder. */
  left: number
}

/** An HTTP (BEP 3) or UDP (BEP 15) announce: the client wants addresses of other classic peers. */
export interface ClassicAnnounce extends AnnounceFields {
  protocol: 'http' | 'udp'
  address: PeerAddress
  /** Peers wanted, already cut to the limit. */
  numwant: number
  /** Give peers of the other address family too (BEP 7: the client said it has such an address). */
  otherFamily: boolean
}

export interface Offer { offerId: string; offer: object }

/** A WebTorrent announce over a WebSocket: its offers are relayed to other browser peers. */
export interface RtcAnnounce extends AnnounceFields {
  /** Offers to relay, already cut to min(offers, numwant, limit). */
  offers: Offer[]
}

/** A browser's answer to an offer that was relayed to it. */
export interface RtcAnswer {
  infoHash: string
  peerId: string
  toPeerId: string
  offerId: string
  answer: object
}

export interface ScrapeRequest { infoHashes: string[] }

/** BEP 48's per-torrent counts; every protocol's peers are counted. */
export interface SwarmCounts { complete: number; incomplete: number; downloaded: number }

/** What a classic announce gets: the counts and other classic peers (`peers6` for IPv6, BEP 7). */
export interface ClassicAnnounceReply {
  kind: 'peers'
  counts: SwarmCounts
  peers: readonly ClassicPeerView[]
  peers6: readonly ClassicPeerView[]
}

/** A classic peer as replies need it: its address, and its peer_id for non-compact HTTP replies. */
export interface ClassicPeerView { readonly peerId: string; readonly owner: PeerAddress }

/** A request the core refused (swarm full, another connection's peer_id, ...): said to the client. */
export interface Refusal { kind: 'refused'; reason: string }

export type Reply<T> = (reply: T) => void

/**
 * Why a socket layer could not make a request of some bytes. Counted per protocol and reason in
 * /metrics (`swarmdrop_rejected_requests_total`); the client gets a failure reason, an error packet,
 * or nothing (see each layer).
 */
export const REJECT_REASONS = [
  'rate_limited',
  'bad_info_hash', 'bad_peer_id', 'bad_port', 'bad_number', 'bad_event', 'bad_ip', 'missing_key', 'repeated_key',
  'bad_query', 'no_info_hash', 'too_many_hashes',
  'bad_json', 'bad_action', 'bad_offer', 'bad_answer',
  'short_packet', 'bad_connection_id', 'bad_protocol_id',
] as const
export type RejectReason = (typeof REJECT_REASONS)[number]

export interface RejectedRequest {
  kind: 'rejected'
  reason: RejectReason
  /** Said to the client. */
  message: string
  /** The info hash when the request named a valid one (WebTorrent clients need it back). */
  infoHash?: string
}

export const rejected = (reason: RejectReason, message: string, infoHash?: string): RejectedRequest =>
  infoHash === undefined ? { kind: 'rejected', reason, message } : { kind: 'rejected', reason, message, infoHash }

export const isRejected = (v: object): v is RejectedRequest => (v as { kind?: unknown }).kind === 'rejected'

/** A 20-character binary string: each code unit one byte (0-255). */
export function isBinId(v: unknown): v is string {
  if (typeof v !== 'string' || v.length !== 20) return false
  for (let i = 0; i < 20; i++) if (v.charCodeAt(i) > 0xff) return false
  return true
}
