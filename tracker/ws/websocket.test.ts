// The server side of RFC 6455 that the tracker runs on: frame reading (split, fragmented, control
// frames, violations) as a pure function, and the handshake against a real server with raw sockets.

import { connect } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from '../test-support/harness.ts'
import { CloseCode, encodeTextFrames, readFrames, type FrameSink, type FrameState } from './websocket.ts'

/** A client frame: masked, as RFC 6455 5.1 requires. */
function clientFrame(opcode: number, payload: Buffer, fin = true, mask = true): Buffer {
  const len = payload.length
  const header = len < 126 ? 2 : len < 65536 ? 4 : 10
  const out = Buffer.alloc(header + (mask ? 4 : 0) + len)
  out[0] = (fin ? 0x80 : 0) | opcode
  if (len < 126) out[1] = len
  else if (len < 65536) { out[1] = 126; out.writeUInt16BE(len, 2) } else { out[1] = 127; out.writeUInt32BE(len, 6) }
  if (mask) out[1] = (out[1] as number) | 0x80
  const key = Buffer.from([0x12, 0x34, 0x56, 0x78])
  if (mask) key.copy(out, header)
  for (let i = 0; i < len; i++) out[header + (mask ? 4 : 0) + i] = (payload[i] as number) ^ (mask ? (key[i & 3] as number) : 0)
  return out
}
const text = (s: string, fin = true) => clientFrame(0x1, Buffer.from(s), fin)

interface Rec extends FrameState { got: string[]; pings: number; pongs: number; closedWith: number | null }
const newConn = (): Rec => ({ rest: null, fragments: null, fragmentBytes: 0, fragmentOpcode: 0, closed: false, got: [], pings: 0, pongs: 0, closedWith: null })
const sink: FrameSink<Rec> = {
  message: (c, t) => { c.got.push(t) },
  ping: c => { c.pings++ },
  pong: c => { c.pongs++ },
  close: (c, code) => { c.closedWith = code; c.closed = true },
}
const feedAll = (c: Rec, bytes: Buffer, chunk = bytes.length, max = 65536) => {
  for (let i = 0; i < bytes.length; i += chunk) readFrames(c, Buffer.from(bytes.subarray(i, i + chunk)), max, sink)
}

describe('readFrames', () => {
  it('reads several messages from one chunk, and the same bytes split one byte at a time', () => {
    const big = 'é'.repeat(40_000) // 80 kB in UTF-8: needs the 64-bit length form
    const bytes = Buffer.concat([text('{"a":1}'), text('x'.repeat(300)), text(big)])
    const whole = newConn()
    feedAll(whole, bytes, bytes.length, 100_000)
    expect(whole.got).toEqual(['{"a":1}', 'x'.repeat(300), big])
    const split = newConn()
    feedAll(split, bytes.subarray(0, 2000), 1, 100_000)
    feedAll(split, bytes.subarray(2000), 4096, 100_000)
    expect(split.got).toEqual(whole.got)
    expect(split.rest).toBeNull()
  })

  it('joins fragmented messages, with control frames in between', () => {
    const c = newConn()
    feedAll(c, Buffer.concat([text('hel', false), clientFrame(0x9, Buffer.from('p')), clientFrame(0x0, Buffer.from('lo '), false), clientFrame(0xa, Buffer.alloc(0)), clientFrame(0x0, Buffer.from('world'))]))
    expect(c.got).toEqual(['hello world'])
    expect([c.pings, c.pongs]).toEqual([1, 1])
  })

  it.each([
    ['an unmasked frame', clientFrame(0x1, Buffer.from('x'), true, false), CloseCode.protocolError],
    ['reserved bits', Buffer.from([0xc1, 0x80, 0, 0, 0, 0]), CloseCode.protocolError],
    ['a fragmented ping', clientFrame(0x9, Buffer.alloc(0), false), CloseCode.protocolError],
    ['a continuation with no message', clientFrame(0x0, Buffer.from('x')), CloseCode.protocolError],
    ['an unknown opcode', clientFrame(0x3, Buffer.from('x')), CloseCode.protocolError],
    ['invalid UTF-8', clientFrame(0x1, Buffer.from([0xc3, 0x28])), CloseCode.invalidData],
    ['a close frame', clientFrame(0x8, Buffer.from([0x03, 0xe8])), 1000],
  ])('closes on %s', (_name, bytes, code) => {
    const c = newConn()
    feedAll(c, bytes)
    expect(c.closedWith).toBe(code)
    expect(c.got).toEqual([])
  })

  it('refuses an oversized frame from its header alone, before buffering the payload', () => {
    const c = newConn()
    const header = clientFrame(0x1, Buffer.alloc(70_000)).subarray(0, 14)
    readFrames(c, Buffer.from(header), 65536, sink)
    expect(c.closedWith).toBe(CloseCode.tooBig)
    expect(c.rest).toBeNull()
    const fragmented = newConn()
    feedAll(fragmented, Buffer.concat([clientFrame(0x1, Buffer.alloc(40_000, 0x61), false), clientFrame(0x0, Buffer.alloc(40_000, 0x61))]), 1 << 20, 65536)
    expect(fragmented.closedWith).toBe(CloseCode.tooBig)
  })

  it('encodes server frames unmasked with all three length forms', () => {
    const msgs = ['a', 'b'.repeat(200), 'c'.repeat(70_000)]
    const out = encodeTextFrames(msgs)
    expect([out[0], out[1]]).toEqual([0x81, 1])
    expect([out[3], out[4], out.readUInt16BE(5)]).toEqual([0x81, 126, 200])
    const third = 3 + 4 + 200
    expect([out[third], out[third + 1], out.readUInt32BE(third + 6)]).toEqual([0x81, 127, 70_000])
    expect(out.length).toBe(3 + 204 + 10 + 70_000)
  })
})

describe('handshake', () => {
  let server: TestServer
  afterEach(async () => { await server.close() })

  const raw = (request: string): Promise<string> => new Promise((resolve, reject) => {
    const s = connect(server.port, '127.0.0.1', () => s.write(request))
    let got = ''
    s.on('data', d => {
      got += d.toString('latin1')
      if (got.includes('\r\n\r\n')) { s.destroy(); resolve(got) }
    })
    s.on('error', reject)
  })

  it('answers a valid upgrade with 101 and the RFC 6455 accept key, and refuses bad ones with 400', async () => {
    server = await startTestServer()
    const ok = await raw('GET /announce HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n')
    expect(ok).toMatch(/^HTTP\/1\.1 101 /)
    expect(ok).toContain('Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=') // the RFC's own example (1.3)
    const badVersion = await raw('GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n')
    expect(badVersion).toMatch(/^HTTP\/1\.1 400 /)
    const badKey = await raw('GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: short\r\nSec-WebSocket-Version: 13\r\n\r\n')
    expect(badKey).toMatch(/^HTTP\/1\.1 400 /)
    expect(server.ws.counters.connectionsRejected).toBe(2)
  })

  it('destroys a socket whose client never finishes the closing handshake', async () => {
    server = await startTestServer()
    const s = connect({ port: server.port, host: '127.0.0.1', allowHalfOpen: true }) // never answers our FIN
    s.on('error', () => {})
    s.setEncoding('latin1')
    await new Promise<void>(resolve => {
      s.on('data', function first(d: string) { if (d.includes('101')) { s.off('data', first); resolve() } })
      s.write('GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n')
    })
    s.write(clientFrame(0x1, Buffer.from('x'), true, false)) // unmasked: protocol error, server closes
    await new Promise(r => setTimeout(r, 100))
    expect(server.ws.closing.size).toBe(1)
    expect(server.ws.conns.size).toBe(0)
    server.clock.now += 3000
    const [serverSide] = [...server.ws.closing.keys()]
    expect(serverSide?.destroyed).toBe(false)
    server.ws.reapClosing()
    expect(server.ws.closing.size).toBe(0)
    expect(serverSide?.destroyed).toBe(true)
    s.destroy()
  })
})
