// The WebTorrent tracker protocol (docs/spec/websocket-tracker.md), both directions.
// parseRequest turns one incoming text frame into a named, validated request or an Invalid that says
// why (keeping `action` and `info_hash` when the request had them: a WebTorrent client that gets a
// reply without `action` tears its socket down). The encoders build the replies as JSON text.

import {
  isBinId,
  type AnnounceEvent, type Offer, type RejectReason, type RtcAnnounce, type RtcAnswer, type ScrapeRequest, type SwarmCounts,
} from '../requests.ts'

/** One WebSocket message as a request for the core (requests.ts), or why it is not one. */
export type WsRequest =
  | ({ kind: 'announce' } & RtcAnnounce)
  | ({ kind: 'answer' } & RtcAnswer)
  | ({ kind: 'scrape' } & ScrapeRequest)

export interface Invalid {
  kind: 'invalid'
  reason: RejectReason
  /** Said to the client as its `failure reason`. */
  message: string
  action?: 'announce' | 'scrape'
  infoHash?: string
}

export interface ParseLimits { maxOffersPerAnnounce: number; maxScrapeHashes: number }

export { isBinId }

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

function parseLeft(v: unknown): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN
  return Number.isFinite(n) && n >= 0 ? n : Infinity
}

function parseEvent(v: unknown): AnnounceEvent | null {
  if (v === undefined || v === null || v === '' || v === 'empty' || v === 'update') return 'update'
  if (v === 'started' || v === 'completed' || v === 'stopped' || v === 'paused') return v
  return null
}

export function parseRequest(text: string, limits: ParseLimits): WsRequest | Invalid {
  let msg: unknown
  try {
    msg = JSON.parse(text)
  } catch {
    return { kind: 'invalid', reason: 'bad_json', message: 'invalid JSON' }
  }
  if (!isObject(msg)) return { kind: 'invalid', reason: 'bad_json', message: 'message is not a JSON object' }
  const action = msg.action
  if (action === 'announce') return parseAnnounce(msg, limits)
  if (action === 'scrape') return parseScrape(msg, limits)
  return { kind: 'invalid', reason: 'bad_action', message: 'invalid action' }
}

// Module functions, not closures made per message: under tsx (esbuild's keepNames) a named closure
// also costs a __name call (a defineProperty) each time it is made.
const badAnnounce = (infoHash: string, reason: RejectReason, message: string): Invalid => ({ kind: 'invalid', reason, message, action: 'announce', infoHash })
const badScrape = (reason: RejectReason, message: string): Invalid => ({ kind: 'invalid', reason, message, action: 'scrape' })

function parseAnnounce(msg: Record<string, unknown>, limits: ParseLimits): WsRequest | Invalid {
  const infoHash = msg.info_hash
  if (!isBinId(infoHash)) return { kind: 'invalid', reason: 'bad_info_hash', message: 'invalid info_hash', action: 'announce' }
  const peerId = msg.peer_id
  if (!isBinId(peerId)) return badAnnounce(infoHash, 'bad_peer_id', 'invalid peer_id')

  if (msg.answer !== undefined) {
    if (!isObject(msg.answer)) return badAnnounce(infoHash, 'bad_answer', 'invalid answer')
    if (!isBinId(msg.to_peer_id)) return badAnnounce(infoHash, 'bad_answer', 'invalid `to_peer_id` (required with `answer`)')
    if (!isBinId(msg.offer_id)) return badAnnounce(infoHash, 'bad_answer', 'invalid offer_id')
    return { kind: 'answer', infoHash, peerId, toPeerId: msg.to_peer_id, offerId: msg.offer_id, answer: msg.answer }
  }

  const event = parseEvent(msg.event)
  if (event === null) return badAnnounce(infoHash, 'bad_event', 'invalid event')

  const offers: Offer[] = []
  const raw = msg.offers
  if (raw !== undefined && raw !== null) {
    if (!Array.isArray(raw)) return badAnnounce(infoHash, 'bad_offer', 'invalid offers')
    // numwant bounds how many of the offers the client wants relayed; absent means all of them.
    const numwant = typeof msg.numwant === 'number' && msg.numwant >= 0 ? msg.numwant : raw.length
    const take = Math.min(raw.length, numwant, limits.maxOffersPerAnnounce)
    for (let i = 0; i < take; i++) {
      const o: unknown = raw[i]
      if (!isObject(o) || !isBinId(o.offer_id) || !isObject(o.offer)) return badAnnounce(infoHash, 'bad_offer', 'invalid offer')
      offers.push({ offerId: o.offer_id, offer: o.offer })
    }
  }
  return { kind: 'announce', infoHash, peerId, event, left: parseLeft(msg.left), offers }
}

function parseScrape(msg: Record<string, unknown>, limits: ParseLimits): WsRequest | Invalid {
  const v = msg.info_hash
  if (isBinId(v)) return { kind: 'scrape', infoHashes: [v] }
  if (!Array.isArray(v)) return badScrape('bad_info_hash', 'invalid info_hash')
  if (v.length === 0) return badScrape('no_info_hash', 'scrape needs at least one info_hash')
  if (v.length > limits.maxScrapeHashes) return badScrape('too_many_hashes', `too many info hashes (at most ${limits.maxScrapeHashes})`)
  for (const h of v) if (!isBinId(h)) return badScrape('bad_info_hash', 'invalid info_hash')
  return { kind: 'scrape', infoHashes: v as string[] }
}

// ---- tracker -> client ----

export function encodeAnnounceReply(infoHash: string, interval: number, complete: number, incomplete: number): string {
  return `{"action":"announce","interval":${interval},"info_hash":${JSON.stringify(infoHash)},"complete":${complete},"incomplete":${incomplete}}`
}

/**
 * An SDP object ({ type, sdp } as browsers make it) as JSON. Stringifying the sdp string alone takes
 * V8's fast path for strings; anything else falls back to the generic JSON.stringify.
 */
function sdpJson(o: object): string {
  const r = o as Record<string, unknown>
  const type = r.type
  const sdp = r.sdp
  if (typeof type === 'string' && typeof sdp === 'string' && Object.keys(o).length === 2) {
    return `{"type":${JSON.stringify(type)},"sdp":${JSON.stringify(sdp)}}`
  }
  return JSON.stringify(o)
}

/** The start of every relayed offer or answer from one peer: built once per announce, not per offer. */
export function relayPrefix(infoHash: string, fromPeerId: string): string {
  return `{"action":"announce","info_hash":${JSON.stringify(infoHash)},"peer_id":${JSON.stringify(fromPeerId)},"offer_id":`
}

export function encodeOffer(prefix: string, offerId: string, offer: object): string {
  return `${prefix}${JSON.stringify(offerId)},"offer":${sdpJson(offer)}}`
}

export function encodeAnswer(prefix: string, offerId: string, answer: object): string {
  return `${prefix}${JSON.stringify(offerId)},"answer":${sdpJson(answer)}}`
}

export function encodeScrapeReply(infoHashes: readonly string[], counts: readonly SwarmCounts[], interval: number): string {
  const files: Record<string, SwarmCounts> = {}
  for (let i = 0; i < infoHashes.length; i++) {
    const c = counts[i] as SwarmCounts
    files[infoHashes[i] as string] = { complete: c.complete, incomplete: c.incomplete, downloaded: c.downloaded }
  }
  return JSON.stringify({ action: 'scrape', files, flags: { min_request_interval: interval } })
}

export function encodeFailure(reason: string, action?: 'announce' | 'scrape', infoHash?: string): string {
  const msg: Record<string, string> = {}
  if (action !== undefined) msg.action = action
  if (infoHash !== undefined) msg.info_hash = infoHash
  msg['failure reason'] = reason
  return JSON.stringify(msg)
}
