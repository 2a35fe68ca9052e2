// Test helpers: a real server on an ephemeral port and real `ws` clients that queue what they receive.

import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import WebSocket from 'ws'
import { defaultConfig, type Config } from '../config.ts'
import { createLogger } from '../log.ts'
import { startServer, type RunningServer } from '../server.ts'

export interface TestServer extends RunningServer {
  wsUrl: string
  /** The fake clock in ms; tests move it to age offers and peers. */
  clock: { now: number }
}

export async function startTestServer(tweak: (c: Config) => void = () => {}): Promise<TestServer> {
  const config = defaultConfig()
  config.port = 0
  config.host = '127.0.0.1'
  config.logLevel = 'silent'
  config.webRoot = join(tmpdir(), 'swarmdrop-no-web-root')
  tweak(config)
  const clock = { now: 1_000_000 }
  const server = await startServer(config, { logger: createLogger('silent'), clock: () => clock.now })
  return Object.assign(server, { wsUrl: `ws://127.0.0.1:${server.port}/announce`, clock })
}

export type Msg = Record<string, unknown>

export class Client {
  readonly received: Msg[] = []
  private waiters: { pred: (m: Msg) => boolean; resolve: (m: Msg) => void }[] = []
  closeCode: number | null = null
  readonly closed: Promise<number>

  private constructor(readonly ws: WebSocket) {
    ws.on('message', data => {
      const m = JSON.parse(String(data)) as Msg
      const i = this.waiters.findIndex(w => w.pred(m))
      if (i === -1) this.received.push(m)
      else this.waiters.splice(i, 1)[0]?.resolve(m)
    })
    this.closed = new Promise(resolve => ws.on('close', code => { this.closeCode = code; resolve(code) }))
    ws.on('error', () => {})
  }

  static open(url: string, headers?: Record<string, string>): Promise<Client> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { headers, perMessageDeflate: false })
      const c = new Client(ws)
      ws.once('open', () => resolve(c))
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)))
      ws.once('error', reject)
    })
  }

  send(m: Msg | string): void {
    this.ws.send(typeof m === 'string' ? m : JSON.stringify(m))
  }

  /** The next message matching pred (already received or arriving within timeoutMs). */
  next(pred: (m: Msg) => boolean = () => true, timeoutMs = 2000): Promise<Msg> {
    const i = this.received.findIndex(pred)
    if (i !== -1) return Promise.resolve(this.received.splice(i, 1)[0] as Msg)
    return new Promise((resolve, reject) => {
      const w = { pred, resolve: (m: Msg) => { clearTimeout(t); resolve(m) } }
      const t = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(w), 1)
        reject(new Error(`no matching message within ${timeoutMs} ms; got ${JSON.stringify(this.received)}`))
      }, timeoutMs)
      this.waiters.push(w)
    })
  }

  /** Send and wait for the reply that names the same action (and info_hash when given). */
  async request(m: Msg, timeoutMs = 2000): Promise<Msg> {
    this.send(m)
    return this.next(r => r.action === m.action && (m.action !== 'announce' || r.info_hash === m.info_hash) &&
      r.offer === undefined && r.answer === undefined, timeoutMs)
  }

  /** Wait a little and return (and clear) everything received. */
  async drain(ms = 100): Promise<Msg[]> {
    await new Promise(r => setTimeout(r, ms))
    return this.received.splice(0)
  }

  close(): Promise<number> {
    this.ws.close()
    return this.closed
  }
}

/** A 20-character binary string id: `tag` then padding, or random bytes. */
export function id(tag: string): string {
  return (tag + '_'.repeat(20)).slice(0, 20)
}

export function randomId(): string {
  let s = ''
  for (let i = 0; i < 20; i++) s += String.fromCharCode(Math.floor(Math.random() * 256))
  return s
}

export function announce(infoHash: string, peerId: string, extra: Msg = {}): Msg {
  return { action: 'announce', info_hash: infoHash, peer_id: peerId, numwant: 5, uploaded: 0, downloaded: 0, left: 100, event: 'started', offers: [], ...extra }
}

export function offers(n: number, tag = 'of'): Msg[] {
  return Array.from({ length: n }, (_, i) => ({ offer_id: id(`${tag}${i}`), offer: { type: 'offer', sdp: `sdp-${tag}-${i}` } }))
}

/** A web root with an index.html and one hashed asset. */
export function makeWebRoot(): string {
  const dir = mkdtempSync(join(tmpdir(), 'swarmdrop-web-'))
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>swarmdrop</title>')
  mkdirSync(join(dir, 'assets'))
  writeFileSync(join(dir, 'assets', 'index-abc123.js'), 'console.log(1)')
  writeFileSync(join(dir, 'assets', 'style-abc123.css'), 'body{}')
  writeFileSync(join(dir, '.secret'), 'no')
  return dir
}
