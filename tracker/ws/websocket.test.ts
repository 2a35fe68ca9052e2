// The WebSocket server side the tracker runs on (`ws` in noServer mode, behind our handshake check),
// driven with raw bytes over TCP: split and fragmented messages, control frames, protocol violations
// and their close codes, the handshake, and the closing handshake's timeout.

import { connect, type Socket } from 'node:net'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { id, startTestServer, type TestServer } from '../test-support/harness.ts'
import { CloseCode } from './handshake.ts'

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

const UPGRADE = 'GET /announce HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n'

interface ServerFrame { opcode: number; payload: Buffer }

/** A raw TCP client past the handshake: writes bytes, reads the server's (unmasked) frames. */
class RawClient {
  private buf = Buffer.alloc(0)
  readonly frames: ServerFrame[] = []
  ended = false
  private wake: (() => void) | null = null

  private constructor(readonly socket: Socket) {
    socket.on('data', d => {
      this.buf = Buffer.concat([this.buf, d])
      this.parse()
      this.wake?.()
    })
    socket.on('end', () => { this.ended = true; this.wake?.() })
    socket.on('close', () => { this.ended = true; this.wake?.() })
    socket.on('error', () => {})
  }

  static open(port: number, halfOpen = false): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = connect({ port, host: '127.0.0.1', allowHalfOpen: halfOpen })
      let head = ''
      const onData = (d: Buffer) => {
        head += d.toString('latin1')
        const end = head.indexOf('\r\n\r\n')
        if (end === -1) return
        s.off('data', onData)
        if (!head.startsWith('HTTP/1.1 101')) return reject(new Error(head))
        const c = new RawClient(s)
        const rest = Buffer.from(head.slice(end + 4), 'latin1')
        if (rest.length > 0) s.emit('data', rest)
        resolve(c)
      }
      s.on('data', onData)
      s.on('error', reject)
      s.write(UPGRADE)
    })
  }

  private parse(): void {
    for (;;) {
      const b = this.buf
      if (b.length < 2) return
      let len = (b[1] as number) & 0x7f
      let at = 2
      if (len === 126) { if (b.length < 4) return; len = b.readUInt16BE(2); at = 4 }
      else if (len === 127) { if (b.length < 10) return; len = b.readUInt32BE(6); at = 10 }
      if (b.length < at + len) return
      this.frames.push({ opcode: (b[0] as number) & 0x0f, payload: Buffer.from(b.subarray(at, at + len)) })
      this.buf = b.subarray(at + len)
    }
  }

  write(bytes: Buffer): void {
    this.socket.write(bytes)
  }

  /** Wait until `pred` holds over what was received (or the socket ended), at most timeoutMs. */
  async until(pred: () => boolean, timeoutMs = 3000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (!pred() && Date.now() < deadline) {
      await new Promise<void>(resolve => {
        this.wake = resolve
        setTimeout(resolve, 50)
      })
    }
  }

  texts(): string[] {
    return this.frames.filter(f => f.opcode === 0x1).map(f => f.payload.toString())
  }

  /** The code of the server's close frame, once it came. */
  async closeCode(): Promise<number | null> {
    await this.until(() => this.frames.some(f => f.opcode === 0x8) || this.ended)
    const f = this.frames.find(x => x.opcode === 0x8)
    return f === undefined ? null : f.payload.length >= 2 ? f.payload.readUInt16BE(0) : CloseCode.noStatus
  }
}

let server: TestServer
const raws: RawClient[] = []
const open = async (halfOpen = false) => {
  const c = await RawClient.open(server.port, halfOpen)
  raws.push(c)
  return c
}
beforeEach(async () => { server = await startTestServer() })
afterEach(async () => {
  for (const c of raws.splice(0)) c.socket.destroy()
  await server.close()
})

const scrape = (tag: string) => JSON.stringify({ action: 'scrape', info_hash: id(tag) })

describe('frames', () => {
  it('reads several messages from one chunk, and the same bytes split one byte at a time', async () => {
    const bytes = Buffer.concat([text(scrape('a')), text(scrape('b')), text(JSON.stringify({ action: 'scrape', info_hash: id('c'), pad: 'é'.repeat(20_000) }))])
    const whole = await open()
    whole.write(bytes)
    await whole.until(() => whole.texts().length === 3)
    const split = await open()
    for (let i = 0; i < 600; i++) split.write(bytes.subarray(i, i + 1))
    split.write(bytes.subarray(600))
    await split.until(() => split.texts().length === 3)
    expect(split.texts()).toEqual(whole.texts())
    expect(whole.texts().map(t => Object.keys((JSON.parse(t) as { files: object }).files)[0])).toEqual([id('a'), id('b'), id('c')])
  })

  it('sends the replies to one socket of one event-loop turn in one write', async () => {
    const c = await open()
    c.write(text(scrape('warm')))
    await c.until(() => c.texts().length === 1)
    const socket = [...server.ws.conns][0]?.socket as unknown as { _write: Function; _writev: Function }
    let writes = 0
    for (const m of ['_write', '_writev'] as const) {
      const orig = socket[m]
      socket[m] = function (this: unknown, ...args: unknown[]) { writes++; return orig.apply(this, args) }
    }
    const before = { ...server.ws.counters }
    c.write(Buffer.concat([text(scrape('a')), text(scrape('b')), text(scrape('c'))]))
    await c.until(() => c.texts().length === 4)
    expect(writes).toBe(1)
    expect(server.ws.counters.messagesSent - before.messagesSent).toBe(3)
    expect(server.ws.counters.socketWrites - before.socketWrites).toBe(1)
  })

  it('joins fragmented messages, with control frames in between, and answers pings', async () => {
    const c = await open()
    const msg = scrape('frag')
    c.write(Buffer.concat([text(msg.slice(0, 5), false), clientFrame(0x9, Buffer.from('p')), clientFrame(0x0, Buffer.from(msg.slice(5, 12)), false), clientFrame(0xa, Buffer.alloc(0)), clientFrame(0x0, Buffer.from(msg.slice(12)))]))
    await c.until(() => c.texts().length === 1 && c.frames.some(f => f.opcode === 0xa))
    expect(JSON.parse(c.texts()[0] as string)).toMatchObject({ action: 'scrape' })
    expect(c.frames.find(f => f.opcode === 0xa)?.payload.toString()).toBe('p')
  })

  it.each([
    ['an unmasked frame', clientFrame(0x1, Buffer.from('x'), true, false), CloseCode.protocolError],
    ['reserved bits', Buffer.from([0xc1, 0x80, 0, 0, 0, 0]), CloseCode.protocolError],
    ['a fragmented ping', clientFrame(0x9, Buffer.alloc(0), false), CloseCode.protocolError],
    ['a continuation with no message', clientFrame(0x0, Buffer.from('x')), CloseCode.protocolError],
    ['an unknown opcode', clientFrame(0x3, Buffer.from('x')), CloseCode.protocolError],
    ['invalid UTF-8', clientFrame(0x1, Buffer.from([0xc3, 0x28])), CloseCode.invalidData],
    ['a message over the size limit', Buffer.from(clientFrame(0x1, Buffer.alloc(70_000)).subarray(0, 14)), CloseCode.tooBig],
    ['a close frame', clientFrame(0x8, Buffer.from([0x03, 0xe8])), 1000],
  ])('closes on %s with the right code, and the peer leaves', async (_name, bytes, code) => {
    const c = await open()
    c.write(text(JSON.stringify({ action: 'announce', info_hash: id('ih'), peer_id: id('raw'), left: 1, event: 'started' })))
    await c.until(() => c.texts().length === 1)
    expect(server.tracker.table.swarms.size).toBe(1)
    c.write(bytes)
    expect(await c.closeCode()).toBe(code)
    await c.until(() => server.ws.conns.size === 0) // a clean close ends when the TCP connection does
    expect(server.tracker.table.swarms.size).toBe(0)
    expect(server.ws.conns.size).toBe(0)
  })

  it('refuses a message over the limit when its fragments add up past it', async () => {
    const c = await open()
    c.write(Buffer.concat([clientFrame(0x1, Buffer.alloc(40_000, 0x61), false), clientFrame(0x0, Buffer.alloc(40_000, 0x61))]))
    expect(await c.closeCode()).toBe(CloseCode.tooBig)
  })
})

describe('handshake', () => {
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
    const ok = await raw(UPGRADE)
    expect(ok).toMatch(/^HTTP\/1\.1 101 /)
    expect(ok).toContain('Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=') // the RFC's own example (1.3)
    const badVersion = await raw(UPGRADE.replace('Version: 13', 'Version: 8'))
    expect(badVersion).toMatch(/^HTTP\/1\.1 400 /)
    const badKey = await raw(UPGRADE.replace('dGhlIHNhbXBsZSBub25jZQ==', 'short'))
    expect(badKey).toMatch(/^HTTP\/1\.1 400 /)
    expect(server.ws.counters.connectionsRejected).toBe(2)
  })

  it('destroys a socket whose client never finishes the closing handshake, after the close timeout', async () => {
    await server.close()
    server = await startTestServer(c => { c.timing.closeTimeout = 1 })
    const c = await open(true) // never answers our close frame, never ends its side
    c.write(clientFrame(0x1, Buffer.from('x'), true, false)) // unmasked: protocol error, server closes
    expect(await c.closeCode()).toBe(CloseCode.protocolError)
    expect(server.ws.conns.size).toBe(0)
    expect(c.ended).toBe(false) // the server waits for our close frame...
    await c.until(() => c.ended, 10_000)
    expect(c.ended).toBe(true) // ...but not forever
  })
})
