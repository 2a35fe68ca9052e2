// The HTTP tracker's lean path (lean-connections.ts): what it takes, and that everything else reaches
// Node's http server unchanged, on the same socket, with every byte: pipelined requests, heads split
// across packets, oversized and malformed heads, other paths, idle connections.

import { connect, createServer, type AddressInfo, type Socket } from 'node:net'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { decode } from '../../shared/bencode/index.ts'
import { Rng, mutate } from '../../shared/bencode/test-support/fuzz-tools.ts'
import { id, startTestServer, type TestServer } from '../test-support/harness.ts'
import { announceParams, query } from '../test-support/classic.ts'
import { parseLeanHead } from './lean-connections.ts'

const head = (text: string): ReturnType<typeof parseLeanHead> => {
  const s = text.endsWith('\r\n\r\n') ? text : text + '\r\n\r\n'
  return parseLeanHead(s, 0, s.indexOf('\r\n\r\n'))
}

describe('parseLeanHead', () => {
  it('takes plain tracker GETs, keep-alive by version and Connection', () => {
    expect(head('GET /announce?info_hash=x HTTP/1.1\r\nHost: a')).toEqual({ path: '/announce', target: '/announce?info_hash=x', keepAlive: true, forwardedFor: null })
    expect(head('GET /scrape?info_hash=x HTTP/1.1\r\nhost: a\r\nConnection: close')).toMatchObject({ path: '/scrape', keepAlive: false })
    expect(head('GET /announce?a=1 HTTP/1.0')).toMatchObject({ keepAlive: false })
    expect(head('GET /announce?a=1 HTTP/1.0\r\nConnection: Keep-Alive')).toMatchObject({ keepAlive: true })
    expect(head('GET /announce?a=1 HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nUser-Agent: aria2/1.37')).toMatchObject({ keepAlive: true })
    expect(head('GET /announce?a=1 HTTP/1.1\r\nHost: a\r\nUser-Agent: a\tb \xe9')).toMatchObject({ keepAlive: true }) // tab and obs-text in values
    expect(head('GET /announce?a=1 HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: 1.2.3.4\r\nx-forwarded-for: 5.6.7.8')).toMatchObject({ forwardedFor: '1.2.3.4, 5.6.7.8' })
  })

  it('leaves everything else to the http server', () => {
    for (const text of [
      'GET /announce HTTP/1.1\r\nHost: a', // a WebSocket announce URL, no query
      'GET /announce?a=1 HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade',
      'GET /announce?a=1 HTTP/1.1\r\nHost: a\r\nConnection: upgrade',
      'HEAD /announce?a=1 HTTP/1.1\r\nHost: a',
      'POST /announce?a=1 HTTP/1.1\r\nHost: a\r\nContent-Length: 3',
      'GET /announce?a=1 HTTP/1.1\r\nHost: a\r\nContent-Length: 3',
      'GET /announce?a=1 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked',
      'GET /announce?a=1 HTTP/1.1\r\nHost: a\r\nExpect: 100-continue',
      'GET /announce?a=1 HTTP/1.1', // 1.1 without Host: the http server answers 400
      'GET /announce?a=1 HTTP/2.0\r\nHost: a',
      'GET /announce?a=1 HTTP/1.1 \r\nHost: a',
      'GET /announce?a=\x01 HTTP/1.1\r\nHost: a',
      'GET /announce?a=\xff HTTP/1.1\r\nHost: a',
      'GET /announce?a=1 HTTP/1.1\r\nHost: a\nX: y', // bare LF
      'GET /announce?a=1 HTTP/1.1\r\nHost: a\rX: y', // bare CR
      'GET /announce?a=1 HTTP/1.1\r\nHost: a\r\n folded', // obs-fold
      'GET /announce?a=1 HTTP/1.1\r\nHost: a\r\nno colon',
      'GET /announce?a=1 HTTP/1.1\r\nHost : a', // space before the colon
      'GET /announce?a=1 HTTP/1.1\r\nHost: a\r\nX(y): z',
      'GET /announce?a=1 HTTP/1.1\r\nHost: a\r\nX: a\x01b', // a control character in a value
      'GET /announce?a=1 HTTP/1.1\r\nHost: a\r\nX: a\x7fb',
      'GET /announce?a=1 HTTP/1.1\r\n: empty name\r\nHost: a',
      'GET /announce?a=1\x00 HTTP/1.1\r\nHost: a',
      'GET /healthz HTTP/1.1\r\nHost: a',
      'GET /announcex?a=1 HTTP/1.1\r\nHost: a',
      'GET /announce?a=1',
    ]) expect(head(text), JSON.stringify(text)).toBeNull()
  })
})

describe('parseLeanHead on 20,000 random and mutated heads', () => {
  it('never throws, and takes only well-formed tracker GETs', () => {
    const rng = new Rng(0x1ea7)
    const valid = [
      'GET /announce?info_hash=%01%02&port=1 HTTP/1.1\r\nHost: t\r\nConnection: keep-alive\r\nUser-Agent: aria2/1.36',
      'GET /scrape?info_hash=a HTTP/1.0\r\nX-Forwarded-For: 1.2.3.4',
      'GET /announce HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade',
    ].map(t => Uint8Array.from(t + '\r\n\r\n', c => c.charCodeAt(0)))
    let taken = 0
    for (let i = 0; i < 20_000; i++) {
      const base = valid[rng.int(valid.length)] as Uint8Array
      const bytes = rng.int(4) === 0 ? rng.bytes(1 + rng.int(200)) : mutate(rng, base, valid[rng.int(valid.length)] as Uint8Array)
      const s = String.fromCharCode(...bytes)
      const blank = s.indexOf('\r\n\r\n')
      if (blank === -1) continue
      const r = parseLeanHead(s, 0, blank)
      if (r === null) continue
      taken++
      const head = s.slice(0, blank)
      expect(r.target.startsWith('/announce?') || r.target.startsWith('/scrape?')).toBe(true)
      expect(/^[\x21-\x7e]+$/.test(r.target)).toBe(true)
      expect(/[\x00-\x08\x0a-\x1f\x7f]/.test(head.replaceAll('\r\n', ''))).toBe(false)
      expect(/^(upgrade|expect|transfer-encoding):/im.test(head)).toBe(false)
      if (head.slice(0, head.indexOf('\r\n') === -1 ? undefined : head.indexOf('\r\n')).endsWith('HTTP/1.1')) expect(/^host:/im.test(head)).toBe(true)
    }
    expect(taken).toBeGreaterThan(100) // the mutations keep some heads whole
  })
})

/** A raw TCP client: what it wrote, and HTTP responses parsed off the byte stream in order. */
class RawClient {
  private received = Buffer.alloc(0)
  private waiters: (() => void)[] = []
  readonly closed: Promise<void>

  private constructor(readonly socket: Socket) {
    socket.on('data', d => {
      this.received = Buffer.concat([this.received, d])
      for (const w of this.waiters.splice(0)) w()
    })
    this.closed = new Promise(resolve => socket.on('close', () => {
      for (const w of this.waiters.splice(0)) w()
      resolve()
    }))
  }

  static async open(port: number): Promise<RawClient> {
    const socket = connect(port, '127.0.0.1')
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject))
    return new RawClient(socket)
  }

  /** The next whole response (Content-Length or chunked), or null when the socket closed first. */
  async response(): Promise<{ status: number; headers: string; body: Buffer } | null> {
    for (;;) {
      const end = this.received.indexOf('\r\n\r\n')
      if (end !== -1) {
        const headers = this.received.subarray(0, end).toString('latin1')
        const chunked = /transfer-encoding: *chunked/i.test(headers)
        const last = chunked ? this.received.indexOf('\r\n0\r\n\r\n', end) : -1
        const length = chunked ? (last === -1 ? Infinity : last + 2 - end - 4) : Number(/content-length: *(\d+)/i.exec(headers)?.[1] ?? 0)
        if (this.received.length >= end + 4 + length) {
          // A chunked body is kept as its single chunk's data (the server sends small bodies in one chunk).
          const raw = this.received.subarray(end + 4, end + 4 + length)
          const body = chunked ? raw.subarray(raw.indexOf('\r\n') + 2, raw.length - 2) : raw
          this.received = this.received.subarray(end + 4 + length + (chunked ? 5 : 0))
          return { status: Number(headers.slice(9, 12)), headers, body }
        }
      }
      if (this.socket.destroyed || this.socket.readableEnded) return null
      await new Promise<void>(resolve => this.waiters.push(resolve))
    }
  }
}

let server: TestServer
const sockets: RawClient[] = []
const open = async (): Promise<RawClient> => {
  const c = await RawClient.open(server.port)
  sockets.push(c)
  return c
}
beforeEach(async () => { server = await startTestServer() })
afterEach(async () => {
  for (const c of sockets.splice(0)) c.socket.destroy()
  await server.close()
})

const IH = id('lean-one')
const announceHead = (peer: string, port: number, extra = ''): string =>
  `GET /announce?${query(announceParams(IH, id(peer), { port }))} HTTP/1.1\r\nHost: t\r\n${extra}\r\n`
const bencoded = (body: Buffer): Record<string, unknown> => Object.fromEntries(decode(body) as Map<string, unknown>)

describe('lean connections on a real server', () => {
  it('answers pipelined announces in order on one keep-alive connection, then hands a non-tracker request to the http server', async () => {
    const c = await open()
    c.socket.write(announceHead('A', 7001) + announceHead('B', 7002) + 'GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n' + announceHead('C', 7003))
    const a = await c.response()
    const b = await c.response()
    expect(a?.status).toBe(200)
    expect(a?.headers).toMatch(/connection: keep-alive/i)
    expect(bencoded(a?.body as Buffer)).toMatchObject({ incomplete: 1 })
    expect(bencoded(b?.body as Buffer)).toMatchObject({ incomplete: 2 })
    const health = await c.response()
    expect(health?.status).toBe(200)
    expect(JSON.parse(String(health?.body))).toEqual({ status: 'ok' })
    // The http server now owns the connection and serves the announce after it, as it always did.
    const after = await c.response()
    expect(bencoded(after?.body as Buffer)).toMatchObject({ incomplete: 3 })
    expect(server.leanHttp?.answered).toBe(2)
    expect(server.leanHttp?.handedOff).toBe(1)
  })

  it('hands a head split across packets to the http server, which answers it', async () => {
    const c = await open()
    const text = announceHead('A', 7001)
    c.socket.write(text.slice(0, 40))
    await new Promise(r => setTimeout(r, 50))
    c.socket.write(text.slice(40))
    const a = await c.response()
    expect(a?.status).toBe(200)
    expect(bencoded(a?.body as Buffer)).toMatchObject({ incomplete: 1 })
    expect(server.leanHttp?.handedOff).toBe(1)
  })

  it('leaves an oversized head and a malformed one to the http server (400 and close, as before)', async () => {
    const big = await open()
    big.socket.write(`GET /announce?a=1 HTTP/1.1\r\nHost: t\r\nX-Pad: ${'x'.repeat(20_000)}\r\n\r\n`)
    expect((await big.response())?.status).toBe(400)
    await big.closed
    const bad = await open()
    bad.socket.write('GET /announce?a=1 HTTP/1.1\r\nHost: t\r\nX: a\nY: b\r\n\r\n')
    expect((await bad.response())?.status).toBe(400)
    await bad.closed
  })

  it('answers a failure reason for a bad query, closes after Connection: close, and serves HTTP/1.0', async () => {
    const c = await open()
    c.socket.write('GET /announce?info_hash=short HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n' + announceHead('A', 7001))
    const r = await c.response()
    expect(r?.headers).toMatch(/connection: close/i)
    expect(bencoded(r?.body as Buffer)['failure reason']).toBeInstanceOf(Uint8Array)
    await c.closed
    expect(await c.response()).toBeNull() // the pipelined request after the close was not answered
    const old = await open()
    old.socket.write(`GET /announce?${query(announceParams(IH, id('B'), { port: 7002 }))} HTTP/1.0\r\n\r\n`)
    expect(bencoded((await old.response())?.body as Buffer)).toMatchObject({ incomplete: 1 })
    await old.closed
  })

  it('closes idle connections by the shared sweep: keep-alive after a request, the headers timeout before one', async () => {
    const served = await open()
    served.socket.write(announceHead('A', 7001))
    expect((await served.response())?.status).toBe(200)
    const silent = await open()
    await new Promise(r => setTimeout(r, 50))
    expect(server.leanHttp?.size).toBe(2)
    server.leanHttp?.sweep(Date.now() + 10_000)
    await served.closed
    expect(silent.socket.destroyed).toBe(false)
    server.leanHttp?.sweep(Date.now() + 120_000)
    await silent.closed
    for (let i = 0; i < 100 && server.leanHttp?.size !== 0; i++) await new Promise(r => setTimeout(r, 20))
    expect(server.leanHttp?.size).toBe(0)
  })

  it('closes a connection whose client never reads its replies, once stalled for the headers timeout', async () => {
    // A socket whose writes never drain (as when the client reads nothing and the buffers are full),
    // handed to the server's lean path by a listener of our own.
    const lean = server.leanHttp!
    const side = createServer(socket => {
      const write = socket.write.bind(socket) as (data: string, encoding: BufferEncoding) => boolean
      socket.write = ((data: string, encoding: BufferEncoding) => (write(data, encoding), false)) as typeof socket.write
      lean.accept(socket)
    })
    await new Promise<void>(resolve => side.listen(0, '127.0.0.1', resolve))
    try {
      const c = await RawClient.open((side.address() as AddressInfo).port)
      sockets.push(c)
      c.socket.write(announceHead('A', 7001) + announceHead('B', 7002))
      expect((await c.response())?.status).toBe(200)
      await new Promise(r => setTimeout(r, 50))
      expect(lean.answered).toBe(1) // the second waits for a drain that never comes
      lean.sweep(Date.now() + 10_000) // past keep-alive, within the headers timeout: kept
      await new Promise(r => setTimeout(r, 50))
      expect(c.socket.destroyed).toBe(false)
      lean.sweep(Date.now() + 120_000)
      await c.closed
      for (let i = 0; i < 100 && lean.size !== 0; i++) await new Promise(r => setTimeout(r, 20))
      expect(lean.size).toBe(0)
    } finally {
      side.close()
    }
  })

  it('survives hostile bytes: random and mutated heads never crash it, and it serves after them', async () => {
    let seed = 7
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648
      return seed % n
    }
    const valid = announceHead('A', 7001)
    for (let i = 0; i < 60; i++) {
      const c = await open()
      const bytes = Buffer.from(valid, 'latin1')
      for (let k = 0; k < 1 + rand(8); k++) bytes[rand(bytes.length)] = rand(256)
      const garbage = i % 3 === 0 ? Buffer.from(Array.from({ length: 1 + rand(300) }, () => rand(256))) : bytes
      c.socket.write(garbage)
      c.socket.end()
      await c.response()
      await c.closed
    }
    const ok = await open()
    ok.socket.write(announceHead('B', 7002))
    expect((await ok.response())?.status).toBe(200)
  })
})
