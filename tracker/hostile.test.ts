// Hostile input: every case ends in a failure reason or a closed socket, the tracker stays up, and a
// well-behaved peer keeps being served throughout.

import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { Client, announce, id, offers, startTestServer, type TestServer } from './test-support/harness.ts'

let server: TestServer
const clients: Client[] = []
const open = async (headers?: Record<string, string>): Promise<Client> => {
  const c = await Client.open(server.wsUrl, headers)
  clients.push(c)
  return c
}
const IH = id('hostile')

/** A well-behaved peer still gets announce replies. */
async function stillServes(): Promise<void> {
  const good = await open()
  const peerId = id(`good${Math.random()}`)
  expect(await good.request(announce(IH, peerId))).toMatchObject({ action: 'announce', info_hash: IH, interval: 120 })
  good.ws.terminate()
}

beforeEach(async () => {
  server = await startTestServer()
})
afterEach(async () => {
  for (const c of clients.splice(0)) c.ws.terminate()
  await server.close()
})

describe('malformed messages', () => {
  it.each([
    ['invalid JSON', '{"action":"announce",', { 'failure reason': 'invalid JSON' }],
    ['a JSON array', '[1,2,3]', { 'failure reason': 'message is not a JSON object' }],
    ['a JSON string', '"announce"', { 'failure reason': 'message is not a JSON object' }],
    ['null', 'null', { 'failure reason': 'message is not a JSON object' }],
    ['an unknown action', '{"action":"connect"}', { 'failure reason': 'invalid action' }],
    ['an info_hash number', JSON.stringify({ action: 'announce', info_hash: 12345, peer_id: id('x') }), { action: 'announce', 'failure reason': 'invalid info_hash' }],
    ['a short info_hash', JSON.stringify({ action: 'announce', info_hash: 'abc', peer_id: id('x') }), { action: 'announce', 'failure reason': 'invalid info_hash' }],
    ['a 21-char peer_id', JSON.stringify(announce(IH, 'x'.repeat(21))), { action: 'announce', info_hash: IH, 'failure reason': 'invalid peer_id' }],
    ['a peer_id with chars above 0xff', JSON.stringify(announce(IH, '\u20ac'.repeat(20))), { action: 'announce', info_hash: IH, 'failure reason': 'invalid peer_id' }],
    ['offers not an array', JSON.stringify(announce(IH, id('x'), { offers: { a: 1 } })), { info_hash: IH, 'failure reason': 'invalid offers' }],
    ['an offer without offer_id', JSON.stringify(announce(IH, id('x'), { offers: [{ offer: { sdp: 'x' } }] })), { info_hash: IH, 'failure reason': 'invalid offer' }],
    ['an unknown event', JSON.stringify(announce(IH, id('x'), { event: 'explode' })), { info_hash: IH, 'failure reason': 'invalid event' }],
    ['an answer without to_peer_id', JSON.stringify({ action: 'announce', info_hash: IH, peer_id: id('x'), offer_id: id('o'), answer: { sdp: 'x' } }), { info_hash: IH, 'failure reason': expect.stringContaining('to_peer_id') }],
    ['an answer that is a string', JSON.stringify({ action: 'announce', info_hash: IH, peer_id: id('x'), to_peer_id: id('y'), offer_id: id('o'), answer: 'x' }), { info_hash: IH, 'failure reason': 'invalid answer' }],
    ['a scrape info_hash of wrong type', JSON.stringify({ action: 'scrape', info_hash: { a: 1 } }), { action: 'scrape', 'failure reason': 'invalid info_hash' }],
  ])('answers %s with a failure reason and keeps the socket', async (_name, text, expected) => {
    const c = await open()
    c.send(text)
    expect(await c.next()).toMatchObject(expected)
    expect(await c.request(announce(IH, id('after')))).toMatchObject({ action: 'announce' })
    await stillServes()
  })

  it('closes a socket that sends an oversized frame (1009) and keeps serving', async () => {
    const c = await open()
    c.send(JSON.stringify(announce(IH, id('big'), { pad: 'x'.repeat(70 * 1024) })))
    expect(await c.closed).toBe(1009)
    await stillServes()
  })

  it('survives invalid UTF-8 in a text frame', async () => {
    const c = await open()
    c.ws.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false })
    expect(await c.closed).toBe(1007)
    await stillServes()
  })
})

describe('floods', () => {
  it('relays no more than the offer limit from an offer flood', async () => {
    const peers = await Promise.all(Array.from({ length: 15 }, () => open()))
    for (const [i, p] of peers.entries()) await p.request(announce(IH, id(`p${i}`)))
    const attacker = await open()
    await attacker.request(announce(IH, id('flood'), { offers: offers(200), numwant: 200 }))
    let relayed = 0
    for (const p of peers) relayed += (await p.drain(0)).filter(m => m.offer !== undefined).length
    await new Promise(r => setTimeout(r, 100))
    for (const p of peers) relayed += (await p.drain(0)).filter(m => m.offer !== undefined).length
    expect(relayed).toBe(10)
  })

  it('forgets the oldest pending offers past the per-peer bound', async () => {
    const victim = await open()
    await victim.request(announce(IH, id('victim')))
    const spammer = await open()
    await spammer.request(announce(IH, id('spam')))
    for (let i = 0; i < 40; i++) spammer.send(announce(IH, id('spam'), { event: undefined, offers: offers(1, `s${i}`) }))
    await spammer.next(m => m.action === 'announce' && m.interval !== undefined)
    await new Promise(r => setTimeout(r, 200))
    expect(server.tracker.table.get(IH)?.rtc?.get(id('victim'))?.pending?.length).toBe(32)
  })

  it('rate-limits a burst of 10k messages: one failure reason, then disconnects; others are served', async () => {
    const good = await open()
    await good.request(announce(IH, id('good')))
    const flooder = await open()
    const msg = JSON.stringify(announce(IH, id('flooder'), { event: undefined }))
    for (let i = 0; i < 10_000; i++) flooder.send(msg)
    const failure = await flooder.next(m => m['failure reason'] !== undefined, 5000)
    expect(failure).toMatchObject({ action: 'announce', info_hash: IH, 'failure reason': expect.stringContaining('rate limit') })
    expect(await flooder.closed).toBe(1008)
    const replies = flooder.received.filter(m => m.interval !== undefined).length
    expect(replies).toBeLessThanOrEqual(200) // the burst, nothing more
    expect(server.ws.counters.rateLimited).toBeGreaterThan(0)
    expect(await good.request(announce(IH, id('good'), { event: undefined }))).toMatchObject({ action: 'announce' })
    expect(server.tracker.table.get(IH)?.rtc?.map.has(id('flooder'))).toBe(false)
  })

  it('bounds swarms per socket', async () => {
    await server.close()
    server = await startTestServer(c => { c.limits.maxSwarmsPerSocket = 3 })
    const c = await open()
    for (let i = 0; i < 3; i++) expect(await c.request(announce(id(`s${i}`), id('A')))).toMatchObject({ incomplete: 1 })
    expect(await c.request(announce(id('s3'), id('A')))).toMatchObject({ info_hash: id('s3'), 'failure reason': expect.stringContaining('too many swarms') })
  })

  it('bounds peers per swarm', async () => {
    await server.close()
    server = await startTestServer(c => { c.limits.maxPeersPerSwarm = 2 })
    const [a, b, c] = [await open(), await open(), await open()]
    await a.request(announce(IH, id('A')))
    await b.request(announce(IH, id('B')))
    expect(await c.request(announce(IH, id('C')))).toMatchObject({ 'failure reason': 'swarm is full' })
  })

  it('refuses connections past the total and per-address limits', async () => {
    await server.close()
    server = await startTestServer(c => { c.limits.maxConnections = 3; c.limits.maxConnectionsPerIp = 2 })
    await open()
    await open()
    await expect(open()).rejects.toThrow('429')
    await server.close()
    server = await startTestServer(c => { c.limits.maxConnections = 2 })
    await open()
    await open()
    await expect(open()).rejects.toThrow('503')
    expect(server.ws.counters.connectionsRejected).toBe(1)
  })
})

describe('origins and proxies', () => {
  it('honours allowed and denied origins', async () => {
    await server.close()
    server = await startTestServer(c => { c.allowOrigins = ['https://good.example'] })
    await expect(open({ Origin: 'https://evil.example' })).rejects.toThrow('403')
    await expect(open()).rejects.toThrow('403')
    await open({ Origin: 'https://good.example' })
    await server.close()
    server = await startTestServer(c => { c.denyOrigins = ['https://evil.example'] })
    await expect(open({ Origin: 'https://evil.example' })).rejects.toThrow('403')
    await open({ Origin: 'https://fine.example' })
  })

  it('takes the client address from X-Forwarded-For only with --trust-proxy', async () => {
    await open({ 'X-Forwarded-For': '203.0.113.9, 198.51.100.7' })
    expect([...server.ws.conns].map(c => c.ip)).toEqual(['127.0.0.1'])
    await server.close()
    server = await startTestServer(c => { c.trustProxy = true })
    await open({ 'X-Forwarded-For': '203.0.113.9, 198.51.100.7' })
    expect([...server.ws.conns].map(c => c.ip)).toEqual(['198.51.100.7'])
  })
})
