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

  /** Serve GET /announce or /scrape through Node's http server (HEAD, TLS, anything the lean path hands over). */
  serve(req: IncomingMessage, res: ServerResponse, path: string, clientIp: string): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Length': 0 })
      res.end()
      return
    }
    this.answer(path, req.url ?? '', clientIp, body => {
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': body.length, 'Cache-Control': 'no-store' })
      if (req.method === 'HEAD') res.end()
      else res.end(body, 'latin1')
    })
  }

  /**
   * The tracker's answer to a GET of `path` (ANNOUNCE_PATH or SCRAPE_PATH) with request target
   * `target`, from `clientIp`: a bencoded body as a latin1 string (one char per byte), given to
   * `send` once, now or later (the Redis core answers asynchronously). Both socket paths use it:
   * Node's http server (serve) and the lean connections (lean-connections.ts).
   */
  answer(path: string, target: string, clientIp: string, send: (body: string) => void): void {
    const core = this.core
    const client = parseIp(clientIp)
    if (client === null) return this.reject(send, { kind: 'rejected', reason: 'bad_ip', message: 'cannot tell your address' })
    if (!this.buckets.take(client.ip, core.clock())) {
      return this.reject(send, { kind: 'rejected', reason: 'rate_limited', message: 'rate limit exceeded: slow down' }, 1)
    }
    const q = target.indexOf('?')
    const query = parseQuery(q === -1 ? '' : target.slice(q + 1), core.limits.maxScrapeHashes + 32)
    if (isRejected(query)) return this.reject(send, query)
    if (path === SCRAPE_PATH) {
      const scrape = parseScrape(query, core.limits)
      if (isRejected(scrape)) return this.reject(send, scrape)
      return core.scrape('http', scrape, (counts: SwarmCounts[]) => send(latin1(encodeScrape(scrape.infoHashes, counts))))
    }
    const parsed = parseAnnounce(query, client, this.trustProxy, core.limits)
    if (parsed.kind === 'rejected') return this.reject(send, parsed)
    const timing = { interval: core.interval, minInterval: core.minInterval }
    core.announceClassic(parsed.request, reply => {
      if (reply.kind === 'refused') return send(latin1(encodeFailure(reply.reason)))
      send(parsed.compact
        ? encodeCompactAnnounce(reply.counts, timing, reply.peers, reply.peers6, parsed.request.address.family === 6)
        : latin1(encodeDictAnnounce(reply.counts, timing, [...reply.peers, ...reply.peers6], parsed.noPeerId)))
    })
  }

  private reject(send: (body: string) => void, r: RejectedRequest, retryInMinutes?: number): void {
    this.core.reject('http', r.reason)
    send(latin1(encodeFailure(r.message, retryInMinutes)))
  }
}

/** Bencoded bytes as a latin1 string: it leaves in the same write as the headers (see replies.ts). */
function latin1(body: Uint8Array): string {
  return Buffer.from(body.buffer, body.byteOffset, body.length).toString('latin1')
}
