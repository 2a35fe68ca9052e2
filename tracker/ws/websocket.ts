// A minimal server side of RFC 6455 WebSocket, on the raw socket of an HTTP upgrade. Why not `ws`:
// at 10k idle sockets, ws's per-socket objects (WebSocket, a Writable Receiver, a Sender) cost about
// 8 KB each beyond the socket itself (measured: bench/tracker), and its one-write-per-message sender
// cannot coalesce the frames bound for one socket. The tracker needs only text messages, ping/pong
// and close; no extensions (no permessage-deflate), no subprotocols.
//
// Section numbers below are RFC 6455's.

import { isUtf8 } from 'node:buffer'
import { createHash } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11' // 1.3

/** Close codes (7.4.1). */
export const CloseCode = {
  normal: 1000,
  goingAway: 1001,
  protocolError: 1002,
  noStatus: 1005,
  invalidData: 1007,
  policyViolation: 1008,
  tooBig: 1009,
} as const

/** Why an upgrade request is not a valid WebSocket handshake (4.2.1), or null when it is. */
export function handshakeProblem(req: IncomingMessage): string | null {
  if (req.method !== 'GET') return 'method must be GET'
  if ((req.headers.upgrade ?? '').toLowerCase() !== 'websocket') return 'Upgrade must be websocket'
  if (req.headers['sec-websocket-version'] !== '13') return 'Sec-WebSocket-Version must be 13'
  const key = req.headers['sec-websocket-key']
  if (typeof key !== 'string' || !/^[+/0-9A-Za-z]{21}[AQgw]==$/.test(key)) return 'invalid Sec-WebSocket-Key'
  return null
}

/** Complete the opening handshake (4.2.2). The caller checked handshakeProblem first. */
export function acceptHandshake(req: IncomingMessage, socket: Duplex): void {
  const accept = createHash('sha1').update((req.headers['sec-websocket-key'] as string) + GUID).digest('base64')
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`)
}

/** Per-connection reader state: an incomplete frame's bytes, and a fragmented message's parts. */
export interface FrameState {
  rest: Buffer | null
  fragments: Buffer[] | null
  fragmentBytes: number
  fragmentOpcode: number
  closed: boolean
}

export interface FrameSink<C extends FrameState> {
  message(conn: C, text: string): void
  ping(conn: C, payload: Buffer): void
  pong(conn: C): void
  /** The client sent a close frame (or broke the protocol: code says which). */
  close(conn: C, code: number, reason: string): void
}

/**
 * Feed bytes from the socket; complete messages go to the sink. Frames are checked against
 * maxPayload from their header, before their payload is buffered, so a client cannot make us hold
 * more than maxPayload (+ one header) per socket.
 */
export function readFrames<C extends FrameState>(conn: C, chunk: Buffer, maxPayload: number, sink: FrameSink<C>): void {
  const buf = conn.rest === null ? chunk : Buffer.concat([conn.rest, chunk])
  conn.rest = null
  let off = 0
  while (!conn.closed) {
    const avail = buf.length - off
    if (avail < 2) break
    const b0 = buf[off] as number
    const b1 = buf[off + 1] as number
    const fin = (b0 & 0x80) !== 0
    const opcode = b0 & 0x0f
    let len = b1 & 0x7f
    let header = 2
    if ((b0 & 0x70) !== 0) return sink.close(conn, CloseCode.protocolError, 'reserved bits set') // 5.2, no extensions
    if ((b1 & 0x80) === 0) return sink.close(conn, CloseCode.protocolError, 'client frames must be masked') // 5.1
    if (len === 126) {
      if (avail < 4) break
      len = buf.readUInt16BE(off + 2)
      header = 4
    } else if (len === 127) {
      if (avail < 10) break
      if (buf.readUInt32BE(off + 2) !== 0) return sink.close(conn, CloseCode.tooBig, 'message too big')
      len = buf.readUInt32BE(off + 6)
      header = 10
    }
    if (opcode >= 8) {
      if (!fin || len > 125) return sink.close(conn, CloseCode.protocolError, 'bad control frame') // 5.5
    } else if (len + conn.fragmentBytes > maxPayload) {
      return sink.close(conn, CloseCode.tooBig, 'message too big')
    }
    if (avail < header + 4 + len) break
    const maskAt = off + header
    const start = maskAt + 4
    const payload = buf.subarray(start, start + len)
    unmask(payload, buf, maskAt)
    off = start + len
    switch (opcode) {
      case 0x0: { // continuation (5.4)
        if (conn.fragments === null) return sink.close(conn, CloseCode.protocolError, 'continuation without a message')
        conn.fragments.push(Buffer.from(payload))
        conn.fragmentBytes += len
        if (fin) {
          const whole = Buffer.concat(conn.fragments)
          conn.fragments = null
          conn.fragmentBytes = 0
          deliver(conn, whole, sink)
        }
        break
      }
      case 0x1: case 0x2: // text, binary: the tracker protocol is JSON text either way
        if (conn.fragments !== null) return sink.close(conn, CloseCode.protocolError, 'new message inside a fragmented one')
        if (fin) deliver(conn, payload, sink)
        else {
          conn.fragments = [Buffer.from(payload)]
          conn.fragmentBytes = len
          conn.fragmentOpcode = opcode
        }
        break
      case 0x8: { // close (5.5.1)
        const code = len >= 2 ? payload.readUInt16BE(0) : CloseCode.noStatus
        return sink.close(conn, code, 'closed by client')
      }
      case 0x9: sink.ping(conn, Buffer.from(payload)); break
      case 0xa: sink.pong(conn); break
      default: return sink.close(conn, CloseCode.protocolError, 'unknown opcode')
    }
  }
  // Copy the incomplete tail so the (possibly large) chunk it came in is not kept alive.
  if (!conn.closed && off < buf.length) conn.rest = Buffer.from(buf.subarray(off))
}

function deliver<C extends FrameState>(conn: C, data: Buffer, sink: FrameSink<C>): void {
  if (!isUtf8(data)) return sink.close(conn, CloseCode.invalidData, 'invalid UTF-8') // 8.1
  sink.message(conn, data.toString('utf8'))
}

function unmask(payload: Buffer, buf: Buffer, maskAt: number): void {
  const m0 = buf[maskAt] as number
  const m1 = buf[maskAt + 1] as number
  const m2 = buf[maskAt + 2] as number
  const m3 = buf[maskAt + 3] as number
  const n = payload.length
  let i = 0
  for (; i + 3 < n; i += 4) {
    payload[i] = (payload[i] as number) ^ m0
    payload[i + 1] = (payload[i + 1] as number) ^ m1
    payload[i + 2] = (payload[i + 2] as number) ^ m2
    payload[i + 3] = (payload[i + 3] as number) ^ m3
  }
  const mask = [m0, m1, m2, m3]
  for (; i < n; i++) payload[i] = (payload[i] as number) ^ (mask[i & 3] as number)
}

const headerSize = (len: number): number => (len < 126 ? 2 : len < 65536 ? 4 : 10)

function writeHeader(out: Buffer, at: number, opcode: number, len: number): number {
  out[at] = 0x80 | opcode
  if (len < 126) {
    out[at + 1] = len
    return at + 2
  }
  if (len < 65536) {
    out[at + 1] = 126
    out.writeUInt16BE(len, at + 2)
    return at + 4
  }
  out[at + 1] = 127
  out.writeUInt32BE(0, at + 2)
  out.writeUInt32BE(len, at + 6)
  return at + 10
}

/** Unmasked text frames (servers never mask, 5.1), all in one buffer: one write for many messages. */
export function encodeTextFrames(texts: readonly string[]): Buffer {
  let total = 0
  const lengths = new Array<number>(texts.length)
  for (let i = 0; i < texts.length; i++) {
    const len = Buffer.byteLength(texts[i] as string, 'utf8')
    lengths[i] = len
    total += headerSize(len) + len
  }
  const out = Buffer.allocUnsafe(total)
  let at = 0
  for (let i = 0; i < texts.length; i++) {
    const len = lengths[i] as number
    at = writeHeader(out, at, 0x1, len)
    at += out.write(texts[i] as string, at, len, 'utf8')
  }
  return out
}

export function encodeControlFrame(opcode: 0x8 | 0x9 | 0xa, payload: Buffer = Buffer.alloc(0)): Buffer {
  const out = Buffer.allocUnsafe(2 + payload.length)
  writeHeader(out, 0, opcode, payload.length)
  payload.copy(out, 2)
  return out
}

export function encodeClose(code: number, reason: string): Buffer {
  const r = Buffer.from(reason.slice(0, 100), 'utf8')
  const payload = Buffer.allocUnsafe(2 + r.length)
  payload.writeUInt16BE(code, 0)
  r.copy(payload, 2)
  return encodeControlFrame(0x8, payload)
}

export const PING = encodeControlFrame(0x9)
