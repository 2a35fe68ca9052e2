// Fuzz: 100,000 random and mutated HTTP tracker queries and 100,000 UDP packets through the real
// request handlers (HttpTracker.serve and UdpTracker.onPacket, the code the sockets call) over one
// real core. Every request must end in a typed answer: HTTP a bencoded dict with `interval` or
// `failure reason`, UDP a well-formed reply or error packet (or nothing, counted as dropped); no
// throw, every request counted once, the per-address state bounded, and before a valid connect no
// UDP reply larger than its request. A short run over the real sockets checks the same of the process.

import type { RemoteInfo, Socket } from 'node:dgram'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { describe, expect, it } from 'vitest'
import { BencodeError, decode } from '../shared/bencode/index.ts'
import { Rng, mutate } from '../shared/bencode/test-support/fuzz-tools.ts'
import { HttpTracker } from './http/handler.ts'
import { defaultLimits, defaultTiming } from './limits.ts'
import { escapeBytes, httpGet, UdpClient, announcePacket, connectPacket, scrapePacket } from './test-support/classic.ts'
import { id, startTestServer } from './test-support/harness.ts'
import { Tracker } from './tracker.ts'
import { UdpTracker } from './udp/server.ts'
import type { Conn } from './ws/connection.ts'

const SEED = 0x7ac_3e5
const N = 100_000

function core(): Tracker<Conn> {
  const limits = { ...defaultLimits, maxTrackedAddresses: 500, requestBurstPerIp: 200, maxPeersPerSwarm: 300 }
  let now = 1_000_000
  // Time moves 1 ms per request: buckets refill, connection ids age (and some expire).
  return new Tracker<Conn>(limits, { ...defaultTiming }, () => (now += 1))
}

const bin = (rng: Rng, n: number): string => String.fromCharCode(...rng.bytes(n))
/** Random 20-byte ids, drawn from a pool: making fresh ones for every input would dominate the run. */
function idPool(rng: Rng): () => string {
  const pool = Array.from({ length: 512 }, () => bin(rng, 20))
  return () => rng.pick(pool)
}
const latin1 = (s: string): Uint8Array => Uint8Array.from(s, c => c.charCodeAt(0) & 0xff)
const text = (b: Uint8Array): string => String.fromCharCode(...b)

function randomIp(rng: Rng): string {
  switch (rng.int(6)) {
    case 0: return `2001:db8::${rng.int(0x10000).toString(16)}`
    case 1: return `::ffff:10.0.${rng.int(256)}.${rng.int(256)}`
    case 2: return rng.pick(['unknown', '', '999.1.1.1', 'fe80::1%eth0', '::', '1.2.3'])
    default: return `10.${rng.int(4)}.${rng.int(256)}.${rng.int(256)}`
  }
}

function validQuery(rng: Rng, ids: () => string): string {
  if (rng.int(5) === 0) return Array.from({ length: 1 + rng.int(4) }, () => `info_hash=${escapeBytes(ids())}`).join('&')
  const parts = [
    `info_hash=${escapeBytes(String.fromCharCode(65 + rng.int(8)).repeat(20))}`,
    `peer_id=${escapeBytes(ids())}`,
    `port=${1 + rng.int(65535)}`,
    `uploaded=${rng.int(1 << 30)}`, `downloaded=${rng.int(1 << 30)}`, `left=${rng.int(3) === 0 ? 0 : rng.int(1 << 30)}`,
    `event=${rng.pick(['started', 'completed', 'stopped', '', 'paused', 'empty'])}`,
    `numwant=${rng.pick(['0', '5', '50', '-1', '99999999999999999999'])}`,
    `compact=${rng.int(2)}`, 'no_peer_id=1', `key=${rng.int(1 << 30).toString(16)}`,
    rng.int(4) === 0 ? 'ipv6=2001:db8::1' : 'supportcrypto=1',
  ]
  return parts.filter(() => rng.int(12) !== 0).join('&')
}

interface FakeRes { status: number; body: Uint8Array | undefined }

function serveHttp(http: HttpTracker, rng: Rng, q: string, ip: string): FakeRes {
  const path = rng.int(6) === 0 ? '/scrape' : '/announce'
  const req = { method: rng.int(50) === 0 ? 'POST' : 'GET', url: `${path}?${q}` } as IncomingMessage
  const out: FakeRes = { status: 0, body: undefined }
  const res = {
    req,
    writeHead(status: number) { out.status = status; return res },
    end(body?: Uint8Array | string) { out.body = typeof body === 'string' ? Buffer.from(body, 'latin1') : body },
  } as unknown as ServerResponse
  http.serve(req, res, path, ip)
  return out
}

function checkHttp(r: FakeRes, q: string): void {
  if (r.status === 405) return
  if (r.status !== 200 || r.body === undefined) throw new Error(`status ${r.status} for ${q}`)
  let v
  try {
    v = decode(r.body)
  } catch (e) {
    throw new Error(`${e instanceof BencodeError ? 'bad bencode' : String(e)} for ${q}`)
  }
  if (!(v instanceof Map) || !(v.has('failure reason') || v.has('interval') || v.has('files'))) throw new Error(`odd reply for ${q}`)
}

describe('HTTP tracker fuzz', () => {
  it(`${N.toLocaleString('en')} random and mutated queries: only bencoded answers, each counted once, bounded state`, () => {
    const rng = new Rng(SEED)
    const tracker = core()
    const http = new HttpTracker(tracker, rng.int(2) === 0)
    const ids = idPool(rng)
    const pool = Array.from({ length: 64 }, () => latin1(validQuery(rng, ids)))
    let methodRefused = 0
    for (let i = 0; i < N; i++) {
      let q: string
      switch (rng.int(4)) {
        case 0: q = validQuery(rng, ids); break
        case 1: q = text(rng.bytes(rng.int(200))); break
        default: {
          let b = rng.pick(pool)
          for (let k = 1 + rng.int(3); k > 0; k--) b = mutate(rng, b, rng.pick(pool))
          q = text(b)
        }
      }
      const r = serveHttp(http, rng, q, randomIp(rng))
      if (r.status === 405) methodRefused++
      checkHttp(r, q)
    }
    const c = tracker.counters
    const rejected = Object.values(c.rejected.http).reduce((a, b) => a + b, 0)
    expect(c.announces.http + c.scrapes.http + rejected + methodRefused).toBe(N)
    expect(c.announces.http).toBeGreaterThan(N / 10) // the fuzz reached the core, not only the parser
    expect(http.buckets.size).toBeLessThanOrEqual(500)
    for (const s of tracker.table.swarms.values()) expect(s.size).toBeLessThanOrEqual(300)
  }, 120_000)
})

function udpHarness(): { udp: UdpTracker; sent: { packet: Buffer; port: number; address: string }[] } {
  const sent: { packet: Buffer; port: number; address: string }[] = []
  const socket = { on() {}, send(packet: Buffer, port: number, address: string) { sent.push({ packet, port, address }) } } as unknown as Socket
  return { udp: new UdpTracker(core(), socket, 6969), sent }
}

describe('UDP tracker fuzz', () => {
  it(`${N.toLocaleString('en')} random and mutated packets: typed replies, never larger than the request before a valid connect`, () => {
    const rng = new Rng(SEED + 1)
    const { udp, sent } = udpHarness()
    const addresses = Array.from({ length: 40 }, () => randomIp(rng)).filter(a => a !== '')
    // A valid connection id per address, from a real connect.
    const ids = new Map<string, Buffer>()
    for (const address of addresses) {
      udp.onPacket(connectPacket(1), { address, port: 1, family: 'IPv4', size: 16 } as RemoteInfo)
      const reply = sent.pop()
      if (reply !== undefined) ids.set(address, reply.packet.subarray(8, 16))
    }
    const junkId = Buffer.alloc(8, 0xab)
    const peerIds = idPool(rng)
    const validPacket = (address: string): Buffer => {
      const cid = ids.get(address) ?? junkId
      switch (rng.int(3)) {
        case 0: return connectPacket(rng.next())
        case 1: return announcePacket(cid, rng.next(), { infoHash: String.fromCharCode(65 + rng.int(8)).repeat(20), peerId: peerIds(), event: rng.int(4), numwant: rng.int(3) - 1, left: rng.int(2) * 100, port: rng.int(65536) })
        default: return scrapePacket(cid, rng.next(), Array.from({ length: rng.int(80) }, peerIds))
      }
    }
    const before = udp.counters.packets
    for (let i = 0; i < N; i++) {
      const address = rng.pick(addresses)
      let packet: Buffer
      switch (rng.int(4)) {
        case 0: packet = validPacket(address); break
        case 1: packet = Buffer.from(rng.bytes(rng.int(120))); break
        default: {
          let b: Uint8Array = validPacket(address)
          const donor = validPacket(address)
          for (let k = 1 + rng.int(3); k > 0; k--) b = mutate(rng, b, donor)
          packet = Buffer.from(b)
        }
      }
      const n = sent.length
      udp.onPacket(packet, { address, port: 6881, family: address.includes(':') ? 'IPv6' : 'IPv4', size: packet.length } as RemoteInfo)
      if (sent.length > n + 1) throw new Error('two replies to one packet')
      const reply = sent[n]
      if (reply === undefined) continue
      const action = reply.packet.readUInt32BE(0)
      const txn = reply.packet.readUInt32BE(4)
      if (packet.length < 16 || txn !== packet.readUInt32BE(12)) throw new Error(`reply ${reply.packet.toString('hex')} does not echo the transaction of ${packet.toString('hex')}`)
      if (action > 3) throw new Error(`action ${action}`)
      const proven = ids.has(address) && packet.subarray(0, 8).equals(ids.get(address) as Buffer)
      if (!proven && reply.packet.length > packet.length) throw new Error(`amplified: ${packet.length} bytes in, ${reply.packet.length} out`)
      if (action === 0 && (reply.packet.length !== 16 || packet.readUInt32BE(8) !== 0)) throw new Error('odd connect reply')
    }
    sent.length = 0
    expect(udp.counters.packets - before).toBe(N)
    const c = (udp.core as Tracker<Conn>).counters
    const rejected = Object.values(c.rejected.udp).reduce((a, b) => a + b, 0)
    // Every packet: a connect, an announce, a scrape, or a rejection (counted once).
    expect(udp.counters.connects + c.announces.udp + c.scrapes.udp + rejected).toBe(N + addresses.length)
    expect(c.announces.udp).toBeGreaterThan(N / 20)
    expect(udp.buckets.size).toBeLessThanOrEqual(500)
  }, 120_000)
})

describe('fuzz over the real sockets', () => {
  it('the process answers 2,000 hostile HTTP queries and UDP packets and keeps serving', async () => {
    const server = await startTestServer(c => { c.limits.requestBurstPerIp = 100_000 })
    try {
      const rng = new Rng(SEED + 2)
      const ids = idPool(rng)
      const base = `http://127.0.0.1:${server.port}`
      for (let i = 0; i < 1000; i += 50) {
        await Promise.all(Array.from({ length: 50 }, async () => {
          const b = mutate(rng, latin1(validQuery(rng, ids)), latin1(validQuery(rng, ids)))
          // Only bytes a URL can carry (fetch would refuse the rest).
          const q = text(b).replace(/[^\x21-\x7e]/g, c => '%' + c.charCodeAt(0).toString(16).padStart(2, '0')).replace(/#/g, '%23')
          const r = await httpGet(base, '/announce', q)
          if (r.status !== 200) throw new Error(`status ${r.status}`)
        }))
      }
      const udp = await UdpClient.open('127.0.0.1', server.udpPort as number)
      const cid = await udp.connect()
      for (let i = 0; i < 1000; i++) {
        const good = announcePacket(cid, i, { infoHash: id('fz'), peerId: ids() })
        udp.send(Buffer.from(mutate(rng, good, rng.bytes(rng.int(100)))))
      }
      // UDP may drop some of a burst; wait until the server has read what reached it, then connect.
      for (let last = -1; server.udp !== null && server.udp.counters.packets !== last;) {
        last = server.udp.counters.packets
        await new Promise(r => setTimeout(r, 300))
      }
      const fresh = await UdpClient.open('127.0.0.1', server.udpPort as number)
      expect((await fresh.connect()).length).toBe(8)
      udp.close()
      fresh.close()
      expect((await httpGet(base, '/announce', `info_hash=${escapeBytes(id('ok'))}&peer_id=${escapeBytes(id('p'))}&port=1`)).value).toMatchObject({ incomplete: 1 })
    } finally {
      await server.close()
    }
  }, 60_000)
})
