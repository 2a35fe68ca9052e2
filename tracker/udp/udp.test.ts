// The UDP tracker (BEP 15) against a real server with raw packets: every packet type, connection ids
// and their expiry, the amplification rule, IPv4 and IPv6 answers, scrape limits, error packets.

import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { id, startTestServer, type TestServer } from '../test-support/harness.ts'
import {
  UdpClient, announcePacket, connectPacket, readAnnounceReply, readError, scrapePacket,
} from '../test-support/classic.ts'

let server: TestServer
const udps: UdpClient[] = []

async function start(tweak?: Parameters<typeof startTestServer>[0]): Promise<void> {
  server = await startTestServer(tweak)
}
async function client(host = '127.0.0.1'): Promise<UdpClient> {
  const c = await UdpClient.open(host, server.udpPort as number)
  udps.push(c)
  return c
}
beforeEach(async () => { await start() })
afterEach(async () => {
  for (const c of udps.splice(0)) c.close()
  await server.close()
})

const IH = id('udp-one')

describe('connect', () => {
  it('answers the magic protocol id with action 0, the transaction id and an 8-byte connection id', async () => {
    expect(server.udpPort).toBe(server.port) // the same number as HTTP by default
    const c = await client()
    const r = await c.request(connectPacket(0xdeadbeef))
    expect(r.length).toBe(16)
    expect([r.readUInt32BE(0), r.readUInt32BE(4)]).toEqual([0, 0xdeadbeef])
    expect(server.udp?.counters.connects).toBe(1)
  })

  it('drops a connect without the magic, and anything shorter than 16 bytes, without a word', async () => {
    const c = await client()
    const bad = connectPacket(1)
    bad.writeUInt32BE(0, 0)
    c.send(bad)
    c.send(Buffer.from([1, 2, 3]))
    c.send(Buffer.alloc(15))
    expect(await c.receive(300)).toBeNull()
    expect(server.tracker.counters.rejected.udp).toMatchObject({ bad_protocol_id: 1, short_packet: 2 })
  })
})

describe('announce', () => {
  it('registers the peer and answers interval, leechers, seeders and other peers as 6-byte entries', async () => {
    const a = await client()
    const b = await client()
    const ida = await a.connect()
    const idb = await b.connect()
    const ra = readAnnounceReply(await a.request(announcePacket(ida, 7, { infoHash: IH, peerId: id('A'), port: 7001, left: 0 })))
    expect(ra).toEqual({ action: 1, txn: 7, interval: 120, leechers: 0, seeders: 1, peers: [] })
    const rb = readAnnounceReply(await b.request(announcePacket(idb, 8, { infoHash: IH, peerId: id('B'), port: 7002 })))
    expect(rb).toEqual({ action: 1, txn: 8, interval: 120, leechers: 1, seeders: 1, peers: ['127.0.0.1:7001'] })
    // numwant 0 gives counts and no peers; stopped (3) leaves.
    const none = readAnnounceReply(await a.request(announcePacket(ida, 9, { infoHash: IH, peerId: id('A'), port: 7001, left: 0, event: 0, numwant: 0 })))
    expect(none.peers).toEqual([])
    await b.request(announcePacket(idb, 10, { infoHash: IH, peerId: id('B'), port: 7002, event: 3 }))
    expect(server.tracker.table.get(IH)?.size).toBe(1)
  })

  it('refuses a bad or forged connection id with an error no larger than the request', async () => {
    const c = await client()
    const forged = Buffer.from('0011223344556677', 'hex')
    const r = readError(await c.request(announcePacket(forged, 5, { infoHash: IH, peerId: id('A') })))
    expect(r).toMatchObject({ action: 3, txn: 5, message: 'invalid connection id' })
    // A 16-byte scrape with a forged id: the error is cut to 16 bytes, no amplification.
    const small = await c.request(scrapePacket(forged, 6, []))
    expect(small.length).toBeLessThanOrEqual(16)
    expect(readError(small)).toMatchObject({ action: 3, txn: 6 })
    expect(server.tracker.table.swarms.size).toBe(0)
  })

  it('accepts a connection id for two minutes, then says it expired', async () => {
    const c = await client()
    const cid = await c.connect()
    server.clock.now += 119_000
    expect(readAnnounceReply(await c.request(announcePacket(cid, 1, { infoHash: IH, peerId: id('A') }))).action).toBe(1)
    server.clock.now += 2_000
    expect(readError(await c.request(announcePacket(cid, 2, { infoHash: IH, peerId: id('A') })))).toMatchObject({ action: 3, message: expect.stringContaining('expired') })
    expect(server.tracker.counters.rejected.udp.bad_connection_id).toBe(1)
  })

  it('binds a connection id to the address it was given to', async () => {
    await server.close()
    await start(c => { c.host = '::' })
    const v4 = await client('127.0.0.1')
    const v6 = await client('::1')
    const cid4 = await v4.connect()
    expect(readError(await v6.request(announcePacket(cid4, 3, { infoHash: IH, peerId: id('A') }))).message).toBe('invalid connection id')
    expect(readAnnounceReply(await v4.request(announcePacket(cid4, 4, { infoHash: IH, peerId: id('A') }))).action).toBe(1)
  })

  it('answers IPv6 clients with 18-byte entries and IPv4 clients (on the dual-stack socket) with 6-byte ones', async () => {
    await server.close()
    await start(c => { c.host = '::' })
    const six = await client('::1')
    const four = await client('127.0.0.1')
    const id6 = await six.connect()
    const id4 = await four.connect()
    await six.request(announcePacket(id6, 1, { infoHash: IH, peerId: id('six-a'), port: 7001 }))
    await four.request(announcePacket(id4, 2, { infoHash: IH, peerId: id('four-a'), port: 7002 }))
    const r6 = readAnnounceReply(await six.request(announcePacket(id6, 3, { infoHash: IH, peerId: id('six-b'), port: 7003 })), 6)
    expect(r6.peers).toEqual(['[0:0:0:0:0:0:0:1]:7001'])
    const r4 = readAnnounceReply(await four.request(announcePacket(id4, 4, { infoHash: IH, peerId: id('four-b'), port: 7004 })))
    expect(r4.peers).toEqual(['127.0.0.1:7002'])
    expect([r4.leechers, r4.seeders]).toEqual([4, 0])
  })

  it('gives no more peers than fit in one reply', async () => {
    await server.close()
    await start(c => { c.limits.maxUdpReplyBytes = 20 + 6 * 3 })
    const c = await client()
    const cid = await c.connect()
    for (let i = 0; i < 6; i++) await c.request(announcePacket(cid, i, { infoHash: IH, peerId: id(`P${i}`), port: 7000 + i }))
    const r = await c.request(announcePacket(cid, 99, { infoHash: IH, peerId: id('P0'), port: 7000, numwant: 50 }))
    expect(r.length).toBe(20 + 6 * 3)
  })

  it('refuses a short announce, an unknown event and port 0 with error packets', async () => {
    const c = await client()
    const cid = await c.connect()
    const short = announcePacket(cid, 1, { infoHash: IH, peerId: id('A') }).subarray(0, 97)
    expect(readError(await c.request(Buffer.from(short)))).toMatchObject({ action: 3, txn: 1 })
    expect(readError(await c.request(announcePacket(cid, 2, { infoHash: IH, peerId: id('A'), event: 9 }))).message).toContain('event')
    expect(readError(await c.request(announcePacket(cid, 3, { infoHash: IH, peerId: id('A'), port: 0 }))).message).toContain('port')
    const unknown = Buffer.alloc(16)
    cid.copy(unknown, 0)
    unknown.writeUInt32BE(7, 8)
    expect(readError(await c.request(unknown)).message).toBe('unknown action')
    expect(server.tracker.counters.rejected.udp).toMatchObject({ short_packet: 1, bad_event: 1, bad_port: 1, bad_action: 1 })
  })
})

describe('scrape', () => {
  it('answers seeders, completed, leechers per hash, up to 74 hashes', async () => {
    const c = await client()
    const cid = await c.connect()
    await c.request(announcePacket(cid, 1, { infoHash: IH, peerId: id('A'), left: 0, event: 1 }))
    const hashes = [IH, ...Array.from({ length: 73 }, (_, i) => id(`h${i}`))]
    const r = await c.request(scrapePacket(cid, 2, hashes))
    expect(r.length).toBe(8 + 12 * 74)
    expect([r.readUInt32BE(0), r.readUInt32BE(4)]).toEqual([2, 2])
    expect([r.readUInt32BE(8), r.readUInt32BE(12), r.readUInt32BE(16)]).toEqual([1, 1, 0])
    expect(r.subarray(20).every(b => b === 0)).toBe(true)
    const over = await c.request(scrapePacket(cid, 3, [...hashes, id('one-more')]))
    expect(readError(over)).toMatchObject({ action: 3, txn: 3, message: expect.stringContaining('at most 74') })
  })
})

describe('rate limit', () => {
  it('drops packets from an address past its bucket, silently', async () => {
    await server.close()
    await start(c => { c.limits.requestsPerSecondPerIp = 1; c.limits.requestBurstPerIp = 2 })
    const c = await client()
    await c.connect()
    await c.connect()
    c.send(connectPacket(5))
    expect(await c.receive(300)).toBeNull()
    expect(server.tracker.counters.rejected.udp.rate_limited).toBe(1)
  })
})
