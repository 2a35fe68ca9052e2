// The WebTorrent tracker protocol (../shared/spec/tracker-protocol.md), both directions.
// parseRequest turns one incoming text frame into a named, validated request or an Invalid that says
// why (keeping `action` and `info_hash` when the request had them: a WebTorrent client that gets a
// reply without `action` tears its socket down). The encoders build the replies as JSON text.

export type AnnounceEvent = 'started' | 'completed' | 'stopped' | 'paused' | 'update'

export interface Offer { offerId: string; offer: object }

export interface AnnounceRequest {
  kind: 'announce'
  infoHash: string
  peerId: string
  event: AnnounceEvent
  /** Bytes left; Infinity when unknown (null before metadata, or garbage): unknown is not a seeder. */
  left: number
  /** Offers to relay, already cut to min(offers, numwant, limit). */
  offers: Offer[]
}

export interface AnswerRequest {
  kind: 'answer'
  infoHash: string
  peerId: string
  toPeerId: string
  offerId: string
  answer: object
}

export interface ScrapeRequest { kind: 'scrape'; infoHashes: string[] }

export type Request = AnnounceRequest | AnswerRequest | ScrapeRequest

export interface Invalid {
  kind: 'invalid'
  reason: string
  action?: 'announce' | 'scrape'
  infoHash?: string
}

export interface ParseLimits { maxOffersPerAnnounce: number; maxScrapeHashes: number }

/** A 20-character binary string: each code unit one byte (0-255). */
export function isBinId(v: unknown): v is string {
  if (typeof v !== 'string' || v.length !== 20) return false
  for (let i = 0; i < 20; i++) if (v.charCodeAt(i) > 0xff) return false
  return true
}

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

export function parseRequest(text: string, limits: ParseLimits): Request | Invalid {
  let msg: unknown
  try {
    msg = JSON.parse(text)
  } catch {
    return { kind: 'invalid', reason: 'invalid JSON' }
  }
  if (!isObject(msg)) return { kind: 'invalid', reason: 'message is not a JSON object' }
  const action = msg.action
  if (action === 'announce') return parseAnnounce(msg, limits)
  if (action === 'scrape') return parseScrape(msg, limits)
  return { kind: 'invalid', reason: 'invalid action' }
}

function parseAnnounce(msg: Record<string, unknown>, limits: ParseLimits): Request | Invalid {
  const infoHash = msg.info_hash
  if (!isBinId(infoHash)) return { kind: 'invalid', reason: 'invalid info_hash', action: 'announce' }
  const fail = (reason: string): Invalid => ({ kind: 'invalid', reason, action: 'announce', infoHash })
  const peerId = msg.peer_id
  if (!isBinId(peerId)) return fail('invalid peer_id')

  if (msg.answer !== undefined) {
    if (!isObject(msg.answer)) return fail('invalid answer')
    if (!isBinId(msg.to_peer_id)) return fail('invalid `to_peer_id` (required with `answer`)')
    if (!isBinId(msg.offer_id)) return fail('invalid offer_id')
    return { kind: 'answer', infoHash, peerId, toPeerId: msg.to_peer_id, offerId: msg.offer_id, answer: msg.answer }
  }

  const event = parseEvent(msg.event)
  if (event === null) return fail('invalid event')

  const offers: Offer[] = []
  const raw = msg.offers
  if (raw !== undefined && raw !== null) {
    if (!Array.isArray(raw)) return fail('invalid offers')
    // numwant bounds how many of the offers the client wants relayed; absent means all of them.
    const numwant = typeof msg.numwant === 'number' && msg.numwant >= 0 ? msg.numwant : raw.length
    const take = Math.min(raw.length, numwant, limits.maxOffersPerAnnounce)
    for (let i = 0; i < take; i++) {
      const o: unknown = raw[i]
      if (!isObject(o) || !isBinId(o.offer_id) || !isObject(o.offer)) return fail('invalid offer')
      offers.push({ offerId: o.offer_id, offer: o.offer })
    }
  }
  return { kind: 'announce', infoHash, peerId, event, left: parseLeft(msg.left), offers }
}

function parseScrape(msg: Record<string, unknown>, limits: ParseLimits): Request | Invalid {
  const v = msg.info_hash
  if (isBinId(v)) return { kind: 'scrape', infoHashes: [v] }
  if (!Array.isArray(v)) return { kind: 'invalid', reason: 'invalid info_hash', action: 'scrape' }
  if (v.length === 0) return { kind: 'invalid', reason: 'scrape needs at least one info_hash', action: 'scrape' }
  if (v.length > limits.maxScrapeHashes) {
    return { kind: 'invalid', reason: `too many info hashes (at most ${limits.maxScrapeHashes})`, action: 'scrape' }
  }
  for (const h of v) if (!isBinId(h)) return { kind: 'invalid', reason: 'invalid info_hash', action: 'scrape' }
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

export interface ScrapeEntry { complete: number; incomplete: number; downloaded: number }

export function encodeScrapeReply(files: Map<string, ScrapeEntry>, interval: number): string {
  const out: Record<string, ScrapeEntry> = {}
  for (const [k, v] of files) out[k] = v
  return JSON.stringify({ action: 'scrape', files: out, flags: { min_request_interval: interval } })
}

export function encodeFailure(reason: string, action?: 'announce' | 'scrape', infoHash?: string): string {
  const msg: Record<string, string> = {}
  if (action !== undefined) msg.action = action
  if (infoHash !== undefined) msg.info_hash = infoHash
  msg['failure reason'] = reason
  return JSON.stringify(msg)
}
