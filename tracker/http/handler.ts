// The HTTP tracker (BEP 3 `GET /announce`, BEP 48 `GET /scrape`) on the server's own port: requests
// from classic clients, rate-limited per client address, parsed (query.ts, requests.ts), handed to
// the core and answered in bencode (replies.ts). Every problem is a `failure reason` with HTTP 200,
// as clients expect (many ignore the body of any other status).

import type { IncomingMessage, ServerResponse } from 'node:http'
import { parseIp } from '../address.ts'
import { AddressBuckets } from '../rate-limit.ts'
import { isRejected, type RejectedRequest, type SwarmCounts } from '../requests.ts'
import type { ClassicTracker } from '../tracker.ts'
import { parseQuery } from './query.ts'
import { encodeCompactAnnounce, encodeDictAnnounce, encodeFailure, encodeScrape } from './replies.ts'
import { parseAnnounce, parseScrape } from './requests.ts'

export const ANNOUNCE_PATH = '/announce'
export const SCRAPE_PATH = '/scrape'

export class HttpTracker {
  readonly buckets: AddressBuckets

  constructor(readonly core: ClassicTracker, private readonly trustProxy: boolean) {
    const l = core.limits
    this.buckets = new AddressBuckets(l.requestsPerSecondPerIp, l.requestBurstPerIp, l.maxTrackedAddresses)
  }

  /** Serve GET /announce or /scrape; `url` is the request target, `clientIp` who asked. */
  serve(req: IncomingMessage, res: ServerResponse, path: string, clientIp: string): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Length': 0 })
      res.end()
      return
    }
    const core = this.core
    const client = parseIp(clientIp)
    if (client === null) return this.reject(res, { kind: 'rejected', reason: 'bad_ip', message: 'cannot tell your address' })
    if (!this.buckets.take(client.ip, core.clock())) {
      return this.reject(res, { kind: 'rejected', reason: 'rate_limited', message: 'rate limit exceeded: slow down' }, 1)
    }
    const url = req.url ?? ''
    const q = url.indexOf('?')
    const query = parseQuery(q === -1 ? '' : url.slice(q + 1), core.limits.maxScrapeHashes + 32)
    if (isRejected(query)) return this.reject(res, query)
    if (path === SCRAPE_PATH) {
      const scrape = parseScrape(query, core.limits)
      if (isRejected(scrape)) return this.reject(res, scrape)
      return core.scrape('http', scrape, (counts: SwarmCounts[]) => send(res, encodeScrape(scrape.infoHashes, counts)))
    }
    const parsed = parseAnnounce(query, client, this.trustProxy, core.limits)
    if (parsed.kind === 'rejected') return this.reject(res, parsed)
    const timing = { interval: core.interval, minInterval: core.minInterval }
    core.announceClassic(parsed.request, reply => {
      if (reply.kind === 'refused') return send(res, encodeFailure(reply.reason))
      send(res, parsed.compact
        ? encodeCompactAnnounce(reply.counts, timing, reply.peers, reply.peers6, parsed.request.address.family === 6)
        : encodeDictAnnounce(reply.counts, timing, [...reply.peers, ...reply.peers6], parsed.noPeerId))
    })
  }

  private reject(res: ServerResponse, r: RejectedRequest, retryInMinutes?: number): void {
    this.core.reject('http', r.reason)
    send(res, encodeFailure(r.message, retryInMinutes))
  }
}

/** A bencoded reply: bytes, or a latin1 string of them (one write with the headers, see replies.ts). */
function send(res: ServerResponse, body: Uint8Array | string): void {
  const text = typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.length).toString('latin1')
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': text.length, 'Cache-Control': 'no-store' })
  if (res.req.method === 'HEAD') res.end()
  else res.end(text, 'latin1')
}
