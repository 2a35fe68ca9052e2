// HTTP tracker requests (BEP 3 announce, BEP 48 scrape) from a decoded query to the core's requests,
// or a RejectedRequest naming what is wrong. Strict where a wrong value would corrupt the swarm
// (info_hash, peer_id, port, numbers, event: a failure reason, counted) and liberal where clients
// differ harmlessly (unknown keys are ignored; numwant -1 means "the default"; a huge numwant is cut).

import { parseIp, peerAddress, type ParsedIp } from '../address.ts'
import type { Limits } from '../limits.ts'
import { rejected, type AnnounceEvent, type ClassicAnnounce, type RejectedRequest, type ScrapeRequest } from '../requests.ts'
import type { Query } from './query.ts'

export interface HttpAnnounce {
  kind: 'announce'
  request: ClassicAnnounce
  /** BEP 23: compact peer strings unless the client asked `compact=0`. */
  compact: boolean
  /** Non-compact lists without `peer id` (`no_peer_id=1`). */
  noPeerId: boolean
}

/** The one value of `key`: undefined when absent, null when repeated. */
function single(q: Query, key: string): string | undefined | null {
  const v = q.get(key)
  if (v === undefined) return undefined
  return v.length === 1 ? (v[0] as string) : null
}

const DIGITS = /^[0-9]{1,20}$/

/** A non-negative decimal integer (bytes counts reach 2^63; precision past 2^53 does not matter here). */
function count(v: string): number | null {
  return DIGITS.test(v) ? Number(v) : null
}

function parseEvent(v: string | undefined): AnnounceEvent | null {
  if (v === undefined || v === '' || v === 'empty') return 'update'
  if (v === 'started' || v === 'completed' || v === 'stopped' || v === 'paused') return v
  return null
}

/** An announce from `client` (the socket's address, or the proxy's word for it with --trust-proxy). */
export function parseAnnounce(q: Query, client: ParsedIp, trustProxy: boolean, limits: Limits): HttpAnnounce | RejectedRequest {
  for (const key of ['info_hash', 'peer_id', 'port', 'uploaded', 'downloaded', 'left', 'event', 'numwant', 'compact', 'ip']) {
    if (single(q, key) === null) return rejected('repeated_key', `${key} given more than once`)
  }
  const infoHash = single(q, 'info_hash')
  if (infoHash === undefined) return rejected('missing_key', 'missing info_hash')
  if (infoHash === null || infoHash.length !== 20) return rejected('bad_info_hash', 'invalid info_hash (20 bytes, percent-encoded)')
  const peerId = single(q, 'peer_id')
  if (peerId === undefined) return rejected('missing_key', 'missing peer_id', infoHash)
  if (peerId === null || peerId.length !== 20) return rejected('bad_peer_id', 'invalid peer_id (20 bytes, percent-encoded)', infoHash)
  const portText = single(q, 'port')
  if (portText === undefined) return rejected('missing_key', 'missing port', infoHash)
  const port = count(portText ?? '')
  if (port === null || port < 1 || port > 65535) return rejected('bad_port', 'invalid port (1-65535)', infoHash)
  for (const key of ['uploaded', 'downloaded']) {
    const v = single(q, key)
    if (v !== undefined && count(v ?? '') === null) return rejected('bad_number', `invalid ${key}`, infoHash)
  }
  const leftText = single(q, 'left')
  let left = Infinity
  if (leftText !== undefined) {
    const n = count(leftText ?? '')
    if (n === null) return rejected('bad_number', 'invalid left', infoHash)
    left = n
  }
  const event = parseEvent(single(q, 'event') ?? undefined)
  if (event === null) return rejected('bad_event', 'invalid event (started, completed, stopped, paused or empty)', infoHash)
  const numwantText = single(q, 'numwant')
  let numwant = limits.defaultNumwant
  if (numwantText !== undefined && numwantText !== '-1') {
    const n = count(numwantText ?? '')
    if (n === null) return rejected('bad_number', 'invalid numwant', infoHash)
    numwant = Math.min(n, limits.maxNumwant)
  }
  // BEP 3 `ip`: honoured only when the operator trusts what sits in front of us (--trust-proxy);
  // otherwise anyone could announce someone else's address.
  let ip = client
  const ipText = single(q, 'ip')
  if (trustProxy && ipText !== undefined && ipText !== '') {
    const parsed = parseIp(ipText ?? '')
    if (parsed === null) return rejected('bad_ip', 'invalid ip (a literal IPv4 or IPv6 address)', infoHash)
    ip = parsed
  }
  return {
    kind: 'announce',
    request: {
      protocol: 'http', infoHash, peerId, event, left, numwant, address: peerAddress(ip, port),
      // BEP 7: a client that names its address of the other family can use peers of that family.
      otherFamily: q.has(ip.family === 4 ? 'ipv6' : 'ipv4'),
    },
    compact: single(q, 'compact') !== '0',
    noPeerId: q.get('no_peer_id')?.[0] === '1',
  }
}

/** BEP 48: one or more `info_hash`; a full scrape (none) is not served. */
export function parseScrape(q: Query, limits: Limits): ScrapeRequest | RejectedRequest {
  const hashes = q.get('info_hash')
  if (hashes === undefined || hashes.length === 0) return rejected('no_info_hash', 'name at least one info_hash (full scrape is not served)')
  if (hashes.length > limits.maxScrapeHashes) return rejected('too_many_hashes', `too many info hashes (at most ${limits.maxScrapeHashes})`)
  for (const h of hashes) if (h.length !== 20) return rejected('bad_info_hash', 'invalid info_hash (20 bytes, percent-encoded)')
  return { infoHashes: hashes }
}
