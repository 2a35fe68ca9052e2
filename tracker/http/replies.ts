// Bencoded HTTP tracker replies (BEP 3, BEP 23 compact peers, BEP 7 peers6, BEP 48 scrape). The
// compact announce reply, nearly every reply, is written by hand as a latin1 string (its keys are
// fixed and already in sorted order, its peers already compact): no intermediate objects. Everything
// else goes through the project's canonical encoder.

import { fromBinaryString } from '../../shared/bytes.ts'
import { encode, type BEncodable } from '../../shared/bencode/index.ts'
import type { ClassicPeerView, SwarmCounts } from '../requests.ts'

export interface AnnounceTiming { interval: number; minInterval: number }

function compactList(peers: readonly ClassicPeerView[]): string {
  let s = ''
  for (const p of peers) s += p.owner.compact
  return s
}

/**
 * d8:complete..10:incomplete..8:interval..12:min interval..5:peers..[6:peers6..]e, as a latin1
 * string (one char per byte): handed to the response as a string, it leaves in the same write as
 * the headers, where a Buffer costs a second write (measured: a tenth of the tracker's CPU).
 */
export function encodeCompactAnnounce(counts: SwarmCounts, t: AnnounceTiming, peers: readonly ClassicPeerView[], peers6: readonly ClassicPeerView[], withPeers6: boolean): string {
  const v4 = compactList(peers)
  let s = `d8:completei${counts.complete}e10:incompletei${counts.incomplete}e8:intervali${t.interval}e12:min intervali${t.minInterval}e5:peers${v4.length}:${v4}`
  if (withPeers6 || peers6.length > 0) {
    const v6 = compactList(peers6)
    s += `6:peers6${v6.length}:${v6}`
  }
  return s + 'e'
}

/** BEP 3's original form: a list of { ip, peer id, port } dicts, both families in one list. */
export function encodeDictAnnounce(counts: SwarmCounts, t: AnnounceTiming, peers: readonly ClassicPeerView[], noPeerId: boolean): Uint8Array {
  return encode({
    complete: counts.complete,
    incomplete: counts.incomplete,
    interval: t.interval,
    'min interval': t.minInterval,
    peers: peers.map(p => ({ ip: p.owner.ip, 'peer id': noPeerId ? undefined : fromBinaryString(p.peerId), port: p.owner.port })),
  })
}

/** BEP 48: files -> { complete, downloaded, incomplete } keyed by the raw 20-byte info hash. */
export function encodeScrape(infoHashes: readonly string[], counts: readonly SwarmCounts[]): Uint8Array {
  const files = new Map<string, BEncodable>()
  for (let i = 0; i < infoHashes.length; i++) {
    const c = counts[i] as SwarmCounts
    files.set(infoHashes[i] as string, { complete: c.complete, downloaded: c.downloaded, incomplete: c.incomplete })
  }
  return encode({ files })
}

/** `failure reason` (BEP 3), with BEP 31's `retry in` (minutes) when the client should wait. */
export function encodeFailure(reason: string, retryInMinutes?: number): Uint8Array {
  return encode({ 'failure reason': reason, 'retry in': retryInMinutes })
}
