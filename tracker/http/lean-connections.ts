// The HTTP tracker's lean path: a plain-HTTP connection whose requests are tracker GETs is served
// here, without Node's http server. Why: classic clients send small `GET /announce?...` requests on
// keep-alive connections, and a profile put ~85% of an HTTP announce's CPU in the http server (its
// parser, IncomingMessage and ServerResponse objects, header objects), not in the tracker.
//
// Only what is unmistakably ours is answered here: complete request heads, `GET /announce?` or
// `GET /scrape?`, HTTP/1.0 or 1.1, CRLF line ends, no body, no Upgrade or Expect, a Host header on
// 1.1 (Node's http server refuses 1.1 without one). Anything else (another path, a WebSocket
// upgrade, HEAD, a head split across packets, an oversized or malformed head) is handed, with every
// byte not yet answered, to Node's http server on the same socket (handOff), which then owns the
// connection with all its limits: header size, headers and request timeouts, its parser's checks.
// So a slowloris head (split by definition) always meets the http server's timeouts; here only
// whole heads are parsed, each bounded by `maxHeadBytes`. An idle keep-alive connection is closed
// by the shared sweep (no timer per socket) after `keepAliveMs`, or `headersTimeoutMs` before its
// first request. Replies leave in order, one write each (head and body in one latin1 string);
// while a reply is pending (the Redis core answers later) or the client does not read its replies,
// reading stops, so nothing a client sends can queue up without bound.

import type { Socket } from 'node:net'
import { ANNOUNCE_PATH, SCRAPE_PATH, type HttpTracker } from './handler.ts'

export interface LeanOptions {
  /** Largest request head (request line and headers), as the http server's maxHeaderSize. */
  maxHeadBytes: number
  /** An idle keep-alive connection is closed after this (the http server's keepAliveTimeout). */
  keepAliveMs: number
  /** A connection that sent no request yet is closed after this (the http server's headersTimeout). */
  headersTimeoutMs: number
  /** Honour X-Forwarded-For (--trust-proxy): the last entry is the client. */
  trustProxy: boolean
  /** Give the socket to Node's http server; its unanswered bytes are already unshifted. */
  handOff(socket: Socket): void
}

/** RFC 9110 tchar: what a header name is made of (llhttp refuses a name with anything else). */
const SEPARATORS = '"(),/:;<=>?@[\\]{}'
function isTokenChar(c: number): boolean {
  return c > 0x20 && c < 0x7f && !SEPARATORS.includes(String.fromCharCode(c))
}

/** A tracker request head: where it goes and how the connection goes on. */
interface LeanRequest { path: string; target: string; keepAlive: boolean; forwardedFor: string | null }

const ANNOUNCE_LINE = `GET ${ANNOUNCE_PATH}?`
const SCRAPE_LINE = `GET ${SCRAPE_PATH}?`

/**
 * Parse the head `s[from, end)` (end: where its blank line starts), or null when it is not a plain
 * tracker GET this path serves (then the http server gets it, unchanged).
 */
export function parseLeanHead(s: string, from: number, end: number): LeanRequest | null {
  let path: string
  if (s.startsWith(ANNOUNCE_LINE, from)) path = ANNOUNCE_PATH
  else if (s.startsWith(SCRAPE_LINE, from)) path = SCRAPE_PATH
  else return null
  // Bare CR or LF, other control characters but tab, DEL, anywhere: not ours (llhttp refuses them).
  for (let i = from; i < end; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x20 || c === 0x7f) {
      if (c === 13 ? s.charCodeAt(i + 1) !== 10 : c === 10 ? s.charCodeAt(i - 1) !== 13 : c !== 9) return null
    }
  }
  const lineEnd = s.indexOf('\r\n', from)
  const line = lineEnd === -1 || lineEnd > end ? end : lineEnd
  const space = s.indexOf(' ', from + 4)
  if (space === -1 || space >= line) return null
  const version = s.slice(space + 1, line)
  if (version !== 'HTTP/1.1' && version !== 'HTTP/1.0') return null
  for (let i = from + 4; i < space; i++) {
    const c = s.charCodeAt(i)
    if (c <= 0x20 || c >= 0x7f) return null
  }
  const target = s.slice(from + 4, space)
  const http11 = version === 'HTTP/1.1'
  let keepAlive = http11
  let host = false
  let forwardedFor: string | null = null
  let at = line + 2
  while (at < end) {
    let next = s.indexOf('\r\n', at)
    if (next === -1 || next > end) next = end
    const colon = s.indexOf(':', at)
    // No name, obs-fold (a line starting with space or tab), or no colon: the http server's call.
    if (colon <= at || colon > next) return null
    const first = s.charCodeAt(at)
    if (first === 0x20 || first === 0x09) return null
    for (let i = at; i < colon; i++) if (!isTokenChar(s.charCodeAt(i))) return null
    const nameLength = colon - at
    // Only names of the lengths we act on are looked at closer: no string per header otherwise.
    if (nameLength === 4 || nameLength === 6 || nameLength === 7 || nameLength === 10 || nameLength === 14 || nameLength === 15 || nameLength === 17) {
      const name = s.slice(at, colon).toLowerCase()
      if (name === 'host') host = true
      else if (name === 'upgrade' || name === 'expect' || name === 'transfer-encoding') return null
      else if (name === 'content-length') {
        if (s.slice(colon + 1, next).trim() !== '0') return null
      } else if (name === 'connection') {
        const value = s.slice(colon + 1, next).toLowerCase()
        if (value.includes('upgrade')) return null
        if (value.includes('close')) keepAlive = false
        else if (value.includes('keep-alive')) keepAlive = true
      } else if (name === 'x-forwarded-for') {
        // Several headers join as the http server joins them: one list, in order.
        const value = s.slice(colon + 1, next).trim()
        forwardedFor = forwardedFor === null ? value : `${forwardedFor}, ${value}`
      }
    }
    at = next + 2
  }
  if (http11 && !host) return null
  return { path, target, keepAlive, forwardedFor }
}

/** The Date header's value, made once a second (as the http server does). */
let dateText = ''
let dateSecond = -1
function httpDate(): string {
  const now = Date.now()
  const second = Math.floor(now / 1000)
  if (second !== dateSecond) {
    dateSecond = second
    dateText = new Date(now).toUTCString()
  }
  return dateText
}

class LeanConnection {
  /** Received and not yet answered (latin1: one char per byte, so indices are byte offsets). */
  private rest = ''
  /** A reply is pending, or the client has not read our replies: read nothing more until then. */
  private waiting = false
  private closing = false
  private released = false
  requests = 0
  lastActive: number
  private readonly remote: string

  constructor(readonly socket: Socket, private readonly owner: LeanHttpConnections) {
    this.lastActive = Date.now()
    this.remote = (socket.remoteAddress ?? 'unknown').replace(/^::ffff:/, '')
    socket.on('data', this.onData)
    socket.on('end', this.onEnd)
    socket.on('error', this.onError)
    socket.on('close', this.onClose)
  }

  get idle(): boolean {
    return !this.waiting && this.rest === ''
  }

  private readonly onData = (chunk: Buffer): void => {
    this.lastActive = Date.now()
    this.rest = this.rest === '' ? chunk.toString('latin1') : this.rest + chunk.toString('latin1')
    if (!this.waiting) this.work()
  }

  private readonly onEnd = (): void => {
    // The http server allows half-open sockets; the client is done sending: finish what we owe, then close.
    this.closing = true
    if (!this.waiting) this.socket.end()
  }

  private readonly onError = (): void => {
    this.socket.destroy()
  }

  private readonly onClose = (): void => {
    this.owner.forget(this)
  }

  /** Answer every whole head received, in order, until one is pending or not ours. */
  private work(): void {
    const o = this.owner.options
    const s = this.rest
    let at = 0
    while (at < s.length && !this.waiting && !this.closing) {
      const blank = s.indexOf('\r\n\r\n', at)
      if (blank === -1 || blank - at > o.maxHeadBytes) return this.release(s.slice(at))
      const request = parseLeanHead(s, at, blank)
      if (request === null) return this.release(s.slice(at))
      at = blank + 4
      this.requests++
      this.owner.answered++
      this.serve(request)
      if (this.waiting) {
        this.rest = s.slice(at)
        this.socket.pause()
        return
      }
    }
    this.rest = ''
  }

  private serve(request: LeanRequest): void {
    const o = this.owner.options
    const forwarded = o.trustProxy && request.forwardedFor !== null ? request.forwardedFor.split(',').pop()?.trim() : undefined
    const ip = forwarded !== undefined && forwarded !== '' ? forwarded : this.remote
    this.waiting = true
    let now = true
    this.owner.tracker.answer(request.path, request.target, ip, body => {
      this.reply(body, request.keepAlive)
      if (!now && !this.waiting) this.resume()
    })
    now = false
  }

  private reply(body: string, keepAlive: boolean): void {
    const socket = this.socket
    if (socket.destroyed) return
    const head = `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\nCache-Control: no-store\r\nDate: ${httpDate()}\r\n`
    const connection = keepAlive ? `Connection: keep-alive\r\nKeep-Alive: timeout=${Math.floor(this.owner.options.keepAliveMs / 1000)}\r\n\r\n` : 'Connection: close\r\n\r\n'
    this.lastActive = Date.now()
    if (!keepAlive) {
      // Pipelined requests after a `Connection: close` are not answered (as the http server does).
      this.closing = true
      this.waiting = false
      this.rest = ''
      socket.end(head + connection + body, 'latin1')
      return
    }
    if (socket.write(head + connection + body, 'latin1')) {
      this.waiting = false
      return
    }
    // The client does not read its replies: read nothing more from it until they have gone.
    socket.once('drain', () => {
      this.waiting = false
      this.resume()
    })
  }

  private resume(): void {
    if (this.socket.destroyed) return
    if (this.closing) {
      this.socket.end()
      return
    }
    this.socket.resume()
    if (this.rest !== '') this.work()
  }

  /** Not ours: the http server gets the socket and `unanswered`, the bytes not yet answered. */
  private release(unanswered: string): void {
    this.released = true
    this.rest = ''
    const socket = this.socket
    socket.off('data', this.onData)
    socket.off('end', this.onEnd)
    socket.off('error', this.onError)
    socket.off('close', this.onClose)
    this.owner.forget(this)
    if (socket.destroyed) return
    socket.unshift(Buffer.from(unanswered, 'latin1'))
    this.owner.options.handOff(socket)
  }

  get handedOff(): boolean {
    return this.released
  }
}

/** The lean connections of one server: accepted here, swept by the server's one timer. */
export class LeanHttpConnections {
  private readonly open = new Set<LeanConnection>()
  /** Connections handed to the http server, and requests answered here (tests read them). */
  handedOff = 0
  answered = 0

  constructor(readonly tracker: HttpTracker, readonly options: LeanOptions) {}

  get size(): number {
    return this.open.size
  }

  accept(socket: Socket): void {
    this.open.add(new LeanConnection(socket, this))
  }

  forget(c: LeanConnection): void {
    if (this.open.delete(c) && c.handedOff) this.handedOff++
  }

  /**
   * Close connections idle past their timeout; called by the server's periodic timer. A connection
   * that is not idle waits for a reply to be answered or read: one whose client stops reading its
   * replies would wait for ever (reading is paused, so it costs one socket and one buffered reply),
   * so it too is closed once it has been stalled for the headers timeout.
   */
  sweep(now: number): void {
    const o = this.options
    for (const c of this.open) {
      const limit = !c.idle || c.requests === 0 ? o.headersTimeoutMs : o.keepAliveMs
      if (now - c.lastActive > limit) c.socket.destroy()
    }
  }

  closeAll(): void {
    for (const c of this.open) c.socket.destroy()
    this.open.clear()
  }
}
