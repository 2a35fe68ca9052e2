import { decode, isBytes, isDict, isInt } from '../../shared/bencode/index.ts'
import { NODE_LIMITS } from '../limits.ts'
import { TrackerFailure, trackerText, type AnnounceReply, type AnnounceRequest } from './announce.ts'
import { parseCompactPeers, parseDictPeers } from './compact-peers.ts'

// The HTTP tracker protocol (BEP 3, compact peers BEP 23, IPv6 peers BEP 7): one GET per announce,
// a bencoded dict back. The reply comes from the network: read at most maxTrackerReplyBytes, decoded
// by our strict bencode decoder, every field type-checked.
//
// Not bittorrent-tracker's client: its package root pulls in node-datachannel (through
// @thaunknown/simple-peer), which does not install here, and it parses replies with the lenient
// `bencode` package.

/** Every byte as %XX: the info hash and peer id are raw bytes (BEP 3). */
export function percentEncodeBytes(bytes: Uint8Array): string {
  let s = ''
  for (const b of bytes) s += '%' + b.toString(16).padStart(2, '0')
  return s
}

export function announceUrl(base: string, r: AnnounceRequest): string {
  const params = [
    `info_hash=${percentEncodeBytes(r.infoHash)}`,
    `peer_id=${percentEncodeBytes(r.peerId)}`,
    `port=${r.port}`,
    `uploaded=${r.uploaded}`,
    `downloaded=${r.downloaded}`,
    `left=${r.left}`,
    'compact=1',
    `numwant=${r.numwant}`,
    `key=${(r.key >>> 0).toString(16)}`,
  ]
  if (r.event) params.push(`event=${r.event}`)
  if (r.trackerId !== undefined) params.push(`trackerid=${encodeURIComponent(r.trackerId)}`)
  // A private tracker's URL may carry its own query (a passkey): append to it.
  return base + (base.includes('?') ? '&' : '?') + params.join('&')
}

async function readCapped(res: Response, max: number): Promise<Uint8Array> {
  const declared = Number(res.headers.get('content-length') ?? NaN)
  if (declared > max) throw new Error(`reply of ${declared} bytes is too big`)
  const reader = res.body?.getReader()
  if (!reader) return new Uint8Array(0)
  const parts: Uint8Array[] = []
  let total = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    total += value.length
    if (total > max) {
      await reader.cancel()
      throw new Error(`reply is bigger than ${max} bytes`)
    }
    parts.push(value)
  }
  return Buffer.concat(parts)
}

export function parseHttpReply(body: Uint8Array): AnnounceReply {
  let v
  try {
    v = decode(body, { maxDepth: 8, maxLength: NODE_LIMITS.maxTrackerReplyBytes })
  } catch (e) {
    throw new Error(`not a tracker reply (${e instanceof Error ? e.message : String(e)})`)
  }
  if (!isDict(v)) throw new Error('not a tracker reply (not a dict)')
  const failure = v.get('failure reason')
  if (isBytes(failure)) throw new TrackerFailure(trackerText(failure))
  const interval = v.get('interval')
  if (!isInt(interval)) throw new Error('tracker reply has no interval')
  const max = NODE_LIMITS.numwant * 4
  const peers = v.get('peers')
  const reply: AnnounceReply = {
    intervalS: interval,
    peers: isBytes(peers) ? parseCompactPeers(peers, 6, max) : peers !== undefined ? parseDictPeers(peers, max) : [],
  }
  const peers6 = v.get('peers6')
  if (isBytes(peers6)) reply.peers.push(...parseCompactPeers(peers6, 18, max))
  const minInterval = v.get('min interval')
  if (isInt(minInterval)) reply.minIntervalS = minInterval
  const complete = v.get('complete')
  if (isInt(complete)) reply.complete = complete
  const incomplete = v.get('incomplete')
  if (isInt(incomplete)) reply.incomplete = incomplete
  const warning = v.get('warning message')
  if (isBytes(warning)) reply.warning = trackerText(warning)
  const trackerId = v.get('tracker id')
  if (isBytes(trackerId) && trackerId.length <= 64) reply.trackerId = trackerText(trackerId)
  return reply
}

export async function httpAnnounce(url: string, request: AnnounceRequest, signal: AbortSignal): Promise<AnnounceReply> {
  const res = await fetch(announceUrl(url, request), {
    signal: AbortSignal.any([signal, AbortSignal.timeout(NODE_LIMITS.trackerTimeoutMs)]),
    headers: { 'user-agent': 'swarmdrop/0.1', 'accept-encoding': 'identity' },
  })
  const body = await readCapped(res, NODE_LIMITS.maxTrackerReplyBytes)
  // Trackers send failures with status 200 as a rule, but some use 4xx with a bencoded body.
  if (!res.ok) {
    try {
      parseHttpReply(body)
    } catch (e) {
      if (e instanceof TrackerFailure) throw e
    }
    throw new Error(`HTTP ${res.status}`)
  }
  return parseHttpReply(body)
}
