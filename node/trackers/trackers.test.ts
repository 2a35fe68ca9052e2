// The Node peer's HTTP and UDP tracker clients: against our own tracker process (tracker/main.ts, as
// `npm start` runs it), and against small fake trackers for the replies ours never sends (failures,
// garbage, floods).
import { createSocket } from 'node:dgram'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startAppServer, type AppServer } from '../../e2e/support/app-server.ts'
import { fromHex } from '../../shared/bytes.ts'
import { encode } from '../../shared/bencode/index.ts'
import type { AnnounceRequest } from './announce.ts'
import { TrackerFailure } from './announce.ts'
import { ClassicTrackers } from './classic-trackers.ts'
import { httpAnnounce } from './http-tracker.ts'
import { UdpTrackerClient } from './udp-tracker.ts'

const INFO_HASH = fromHex('0123456789abcdef0123456789abcdef01234567')
const signal = () => AbortSignal.timeout(20_000)

function request(name: string, port: number, extra: Partial<AnnounceRequest> = {}): AnnounceRequest {
  const peerId = new TextEncoder().encode(`-SD0100-${name.padEnd(12, '.')}`)
  return { infoHash: INFO_HASH, peerId, port, uploaded: 0, downloaded: 0, left: 1000, numwant: 50, key: 1, event: 'started', ...extra }
}

let server: AppServer
const udp = new UdpTrackerClient()
beforeAll(async () => {
  server = await startAppServer()
}, 60_000) // the tracker process's start (tsx) is slow on a loaded machine
afterAll(async () => {
  udp.close()
  await server?.stop()
})

describe('against our tracker', () => {
  it('HTTP: the second peer gets the first one’s address; stopped takes it out', async () => {
    const url = `${server.url}/announce`
    const first = await httpAnnounce(url, request('http-a', 41001), signal())
    expect(first.intervalS).toBeGreaterThan(0)
    const second = await httpAnnounce(url, request('http-b', 41002), signal())
    expect(second.peers).toContainEqual({ ip: '127.0.0.1', port: 41001 })
    expect(second.incomplete).toBeGreaterThanOrEqual(2)
    await httpAnnounce(url, request('http-a', 41001, { event: 'stopped' }), signal())
    const third = await httpAnnounce(url, request('http-c', 41003), signal())
    expect(third.peers).not.toContainEqual({ ip: '127.0.0.1', port: 41001 })
    expect(third.peers).toContainEqual({ ip: '127.0.0.1', port: 41002 })
  })

  it('UDP (BEP 15): connect, announce, the same swarm table', async () => {
    const url = `udp://127.0.0.1:${server.udpPort}`
    const hash = fromHex('fedcba9876543210fedcba9876543210fedcba98')
    await udp.announce(url, { ...request('udp-a', 42001), infoHash: hash }, signal())
    const b = await udp.announce(url, { ...request('udp-b', 42002), infoHash: hash }, signal())
    expect(b.peers).toContainEqual({ ip: '127.0.0.1', port: 42001 })
    expect(b.intervalS).toBeGreaterThan(0)
  })

  it('BEP 12: a dead tracker in a tier gives way to a live one, which moves to the front; every tier is announced', async () => {
    const hash = fromHex('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa')
    const dead = 'http://127.0.0.1:9/announce' // the discard port: nothing listens
    const peers: { ip: string; port: number }[] = []
    const other = await httpAnnounce(`${server.url}/announce`, { ...request('other', 43001), infoHash: hash }, signal())
    expect(other.peers).toEqual([])
    const trackers = new ClassicTrackers({
      announce: [[dead, `${server.url}/announce`], [`udp://127.0.0.1:${server.udpPort}`], ['wss://ignored.example/announce']],
      stats: () => ({ ...request('tiers', 43002), infoHash: hash }),
      udp,
      onPeers: (p) => peers.push(...p),
    })
    expect(trackers.size).toBe(2)
    trackers.start()
    await expect.poll(() => trackers.status().filter((s) => s.state === 'ok').length, { timeout: 30_000 }).toBe(2)
    const byUrl = Object.fromEntries(trackers.status().map((s) => [s.url, s.state]))
    expect(byUrl[`${server.url}/announce`]).toBe('ok')
    expect(byUrl[`udp://127.0.0.1:${server.udpPort}`]).toBe('ok')
    expect(['failed', 'connecting']).toContain(byUrl[dead])
    expect(peers).toContainEqual({ ip: '127.0.0.1', port: 43001 })
    await trackers.stop()
    // `stopped` went out: a new peer no longer hears of us.
    const after = await httpAnnounce(`${server.url}/announce`, { ...request('later', 43003), infoHash: hash }, signal())
    expect(after.peers).not.toContainEqual({ ip: '127.0.0.1', port: 43002 })
  })
})

describe('hostile or failing trackers', () => {
  let fake: Server
  let reply: (res: import('node:http').ServerResponse) => void = (res) => res.end()
  let base = ''
  beforeAll(async () => {
    fake = createServer((_req, res) => reply(res))
    await new Promise<void>((r) => fake.listen(0, '127.0.0.1', r))
    base = `http://127.0.0.1:${(fake.address() as AddressInfo).port}/announce`
  })
  afterAll(() => new Promise<void>((r) => fake.close(() => r())))

  it('a failure reason is a TrackerFailure with the tracker’s words, printable only', async () => {
    reply = (res) => res.end(encode({ 'failure reason': 'torrent not registered\u0007' }))
    const err = await httpAnnounce(base, request('x', 1), signal()).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(TrackerFailure)
    expect((err as Error).message).toBe('torrent not registered ')
  })

  it('garbage, a missing interval, a too-big reply and an HTTP error are errors, not crashes', async () => {
    for (const [body, status, why] of [
      ['<html>nope</html>', 200, /not a tracker reply/],
      [encode({ peers: new Uint8Array(6) }), 200, /no interval/],
      [new Uint8Array(2 << 20), 200, /bigger than|too big/],
      ['', 503, /HTTP 503/],
    ] as const) {
      reply = (res) => {
        res.statusCode = status
        res.end(body)
      }
      const err = await httpAnnounce(base, request('x', 1), signal()).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(Error)
      expect((err as Error).message).toMatch(why)
    }
  })

  it('odd peers in a reply are skipped, good ones kept (compact, IPv6, dict model, port 0)', async () => {
    const compact = new Uint8Array([10, 0, 0, 1, 0x1a, 0xe1, 10, 0, 0, 2, 0, 0, 1, 2, 3]) // one good, one port 0, 3 stray bytes
    const six = new Uint8Array(18)
    six[15] = 1
    six[16] = 0x1a
    six[17] = 0xe2
    reply = (res) => res.end(encode({ interval: 60, peers: compact, peers6: six }))
    const r = await httpAnnounce(base, request('x', 1), signal())
    expect(r.peers).toEqual([{ ip: '10.0.0.1', port: 6881 }, { ip: '0:0:0:0:0:0:0:1', port: 6882 }])
    reply = (res) => res.end(encode({ interval: 60, peers: [{ ip: '192.0.2.9', port: 51413 }, { ip: 5, port: 1 }, { ip: '192.0.2.10', port: 70000 }] }))
    expect((await httpAnnounce(base, request('x', 1), signal())).peers).toEqual([{ ip: '192.0.2.9', port: 51413 }])
  })

  it('UDP: an error packet is a TrackerFailure; a tracker that never answers is given up on', async () => {
    const sock = createSocket('udp4')
    let answer = true
    sock.on('message', (msg, rinfo) => {
      if (!answer) return
      const txn = msg.readUInt32BE(12)
      const action = msg.readUInt32BE(8)
      if (action === 0) {
        const out = Buffer.alloc(16)
        out.writeUInt32BE(0, 0)
        out.writeUInt32BE(txn, 4)
        out.writeBigUInt64BE(42n, 8)
        sock.send(out, rinfo.port, rinfo.address)
      } else {
        const out = Buffer.concat([Buffer.from([0, 0, 0, 3]), msg.subarray(12, 16), Buffer.from('info hash not allowed')])
        sock.send(out, rinfo.port, rinfo.address)
      }
    })
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r))
    const url = `udp://127.0.0.1:${sock.address().port}`
    const client = new UdpTrackerClient()
    try {
      const err = await client.announce(url, request('x', 1), signal()).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(TrackerFailure)
      expect((err as Error).message).toBe('info hash not allowed')
      answer = false
      const silent = await client.announce(url, request('y', 1), AbortSignal.timeout(2_000)).catch((e: unknown) => e)
      expect((silent as Error).message).toMatch(/cancelled|no reply/)
    } finally {
      client.close()
      sock.close()
    }
  })
})
