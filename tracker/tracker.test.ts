// Protocol behaviour against a real server on an ephemeral port with real ws clients.

import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { Client, announce, id, offers, randomId, startTestServer, type Msg, type TestServer } from './test-support/harness.ts'

let server: TestServer
const clients: Client[] = []
const open = async (): Promise<Client> => {
  const c = await Client.open(server.wsUrl)
  clients.push(c)
  return c
}

beforeEach(async () => {
  server = await startTestServer()
})
afterEach(async () => {
  for (const c of clients.splice(0)) c.ws.terminate()
  await server.close()
})

const IH = id('torrent-one')
const IH2 = id('torrent-two')

describe('announce', () => {
  it('replies with interval and complete/incomplete counts, keeping action and info_hash', async () => {
    const a = await open()
    const b = await open()
    const r1 = await a.request(announce(IH, id('A'), { left: 0 }))
    expect(r1).toEqual({ action: 'announce', interval: 120, info_hash: IH, complete: 1, incomplete: 0 })
    const r2 = await b.request(announce(IH, id('B'), { left: 500 }))
    expect(r2).toMatchObject({ complete: 1, incomplete: 1 })
  })

  it('treats left null (magnet before metadata) as not a seeder, and completed as a seeder', async () => {
    const a = await open()
    expect(await a.request(announce(IH, id('A'), { left: null }))).toMatchObject({ complete: 0, incomplete: 1 })
    expect(await a.request(announce(IH, id('A'), { event: 'completed', left: 0 }))).toMatchObject({ complete: 1, incomplete: 0 })
    const c = await open()
    const scrape = await c.request({ action: 'scrape', info_hash: IH })
    expect(scrape.files).toEqual({ [IH]: { complete: 1, incomplete: 0, downloaded: 1 } })
  })

  it('handles periodic updates (no event) and paused without double counting', async () => {
    const a = await open()
    await a.request(announce(IH, id('A')))
    expect(await a.request(announce(IH, id('A'), { event: undefined }))).toMatchObject({ complete: 0, incomplete: 1 })
    expect(await a.request(announce(IH, id('A'), { event: 'paused' }))).toMatchObject({ complete: 0, incomplete: 1 })
    expect(await a.request(announce(IH, id('A'), { left: 0, event: undefined }))).toMatchObject({ complete: 1, incomplete: 0 })
  })

  it('removes a peer on stopped', async () => {
    const a = await open()
    const b = await open()
    await a.request(announce(IH, id('A')))
    await b.request(announce(IH, id('B')))
    expect(await a.request(announce(IH, id('A'), { event: 'stopped' }))).toMatchObject({ complete: 0, incomplete: 1 })
    expect(server.tracker.table.get(IH)?.rtc?.map.has(id('A'))).toBe(false)
  })

  it('tolerates extra fields that libtorrent or WebTorrent send', async () => {
    const a = await open()
    const r = await a.request(announce(IH, id('A'), { key: 'abc', corrupt: 0, trackerid: 'x', compact: 1, supportcrypto: 1 }))
    expect(r).toMatchObject({ action: 'announce', incomplete: 1 })
  })
})

describe('offers and answers', () => {
  it('relays each offer to a distinct random other peer, never back to the sender', async () => {
    const others = await Promise.all(Array.from({ length: 7 }, () => open()))
    for (const [i, c] of others.entries()) await c.request(announce(IH, id(`P${i}`)))
    const a = await open()
    await a.request(announce(IH, id('A'), { offers: offers(5) }))
    const got: { who: number; m: Msg }[] = []
    for (const [i, c] of others.entries()) for (const m of await c.drain(50)) got.push({ who: i, m })
    expect(got).toHaveLength(5)
    expect(new Set(got.map(g => g.who)).size).toBe(5)
    expect(new Set(got.map(g => g.m.offer_id)).size).toBe(5)
    for (const { m } of got) {
      expect(m).toMatchObject({ action: 'announce', info_hash: IH, peer_id: id('A') })
      expect(m.offer).toMatchObject({ type: 'offer' })
    }
    expect(await a.drain(20)).toEqual([])
  })

  it('relays at most numwant offers, and to all others when the swarm is small', async () => {
    const b = await open()
    const c = await open()
    await b.request(announce(IH, id('B')))
    await c.request(announce(IH, id('C')))
    const a = await open()
    await a.request(announce(IH, id('A'), { offers: offers(5), numwant: 1 }))
    const relayed = [...(await b.drain(50)), ...(await c.drain(0))]
    expect(relayed).toHaveLength(1)
    await a.request(announce(IH, id('A'), { offers: offers(5, 'x'), numwant: 5, event: undefined }))
    expect([...(await b.drain(50)), ...(await c.drain(0))]).toHaveLength(2)
  })

  it('relays an answer only to the peer that made the offer, once', async () => {
    const a = await open()
    const b = await open()
    const c = await open()
    await b.request(announce(IH, id('B')))
    await a.request(announce(IH, id('A'), { offers: offers(1) }))
    const offer = await b.next(m => m.offer !== undefined)
    await c.request(announce(IH, id('C')))
    const answer = { action: 'announce', info_hash: IH, peer_id: id('B'), to_peer_id: id('A'), offer_id: offer.offer_id, answer: { type: 'answer', sdp: 'ans' } }
    b.send(answer)
    const got = await a.next(m => m.answer !== undefined)
    expect(got).toEqual({ action: 'announce', info_hash: IH, peer_id: id('B'), offer_id: offer.offer_id, answer: { type: 'answer', sdp: 'ans' } })
    expect(await c.drain(50)).toEqual([])
    // The same answer again: the offer was consumed.
    b.send(answer)
    expect(await b.next(m => m['failure reason'] !== undefined)).toMatchObject({ action: 'announce', info_hash: IH, 'failure reason': 'answer to an unknown or stale offer' })
    expect(await a.drain(50)).toEqual([])
  })

  it('refuses an answer to an unknown offer and to a stale one', async () => {
    const a = await open()
    const b = await open()
    await b.request(announce(IH, id('B')))
    b.send({ action: 'announce', info_hash: IH, peer_id: id('B'), to_peer_id: id('A'), offer_id: id('nope'), answer: { type: 'answer', sdp: 'x' } })
    expect(await b.next()).toMatchObject({ action: 'announce', info_hash: IH, 'failure reason': 'answer to an unknown or stale offer' })

    await a.request(announce(IH, id('A'), { offers: offers(1) }))
    const offer = await b.next(m => m.offer !== undefined)
    server.clock.now += 121_000 // past the 120 s offer age
    await a.request(announce(IH, id('A'), { event: undefined })) // keep A fresh
    b.send({ action: 'announce', info_hash: IH, peer_id: id('B'), to_peer_id: id('A'), offer_id: offer.offer_id, answer: { type: 'answer', sdp: 'late' } })
    expect(await b.next()).toMatchObject({ 'failure reason': 'answer to an unknown or stale offer' })
    expect(await a.drain(50)).toEqual([])
  })
})

describe('scrape', () => {
  it('answers one, several (unknown ones as zeros), and refuses too many', async () => {
    const a = await open()
    await a.request(announce(IH, id('A'), { left: 0 }))
    await a.request(announce(IH2, id('A')))
    expect((await a.request({ action: 'scrape', info_hash: IH })).files).toEqual({ [IH]: { complete: 1, incomplete: 0, downloaded: 0 } })
    const unknown = randomId()
    const multi = await a.request({ action: 'scrape', info_hash: [IH, IH2, unknown] })
    expect(multi.files).toEqual({
      [IH]: { complete: 1, incomplete: 0, downloaded: 0 },
      [IH2]: { complete: 0, incomplete: 1, downloaded: 0 },
      [unknown]: { complete: 0, incomplete: 0, downloaded: 0 },
    })
    const many = Array.from({ length: 256 }, () => randomId())
    expect(await a.request({ action: 'scrape', info_hash: many })).toMatchObject({ action: 'scrape', 'failure reason': 'too many info hashes (at most 255)' })
    expect(await a.request({ action: 'scrape', info_hash: [] })).toMatchObject({ action: 'scrape', 'failure reason': expect.any(String) })
  })
})

describe('ownership', () => {
  it('refuses announce, answer and stopped in another socket\'s peer_id, and the owner keeps its place', async () => {
    const owner = await open()
    const thief = await open()
    const other = await open()
    await owner.request(announce(IH, id('OWNER'), { left: 0 }))
    await other.request(announce(IH, id('OTHER')))

    expect(await thief.request(announce(IH, id('OWNER'), { left: 5 }))).toMatchObject({ action: 'announce', info_hash: IH, 'failure reason': 'peer_id belongs to another connection' })
    expect(await thief.request(announce(IH, id('OWNER'), { event: 'stopped' }))).toMatchObject({ 'failure reason': 'peer_id belongs to another connection' })

    // other offers to owner; the thief tries to answer in owner's name.
    await other.request(announce(IH, id('OTHER'), { offers: offers(1), event: undefined }))
    const offer = await owner.next(m => m.offer !== undefined)
    thief.send({ action: 'announce', info_hash: IH, peer_id: id('OWNER'), to_peer_id: id('OTHER'), offer_id: offer.offer_id, answer: { type: 'answer', sdp: 'evil' } })
    expect(await thief.next()).toMatchObject({ action: 'announce', info_hash: IH, 'failure reason': expect.stringContaining('did not announce') })
    expect(await other.drain(50)).toEqual([])

    const swarm = server.tracker.table.get(IH)
    expect(swarm?.rtc?.get(id('OWNER'))?.complete).toBe(true)
    expect(swarm?.complete).toBe(1)
    // The real owner can still answer.
    owner.send({ action: 'announce', info_hash: IH, peer_id: id('OWNER'), to_peer_id: id('OTHER'), offer_id: offer.offer_id, answer: { type: 'answer', sdp: 'real' } })
    expect(await other.next(m => m.answer !== undefined)).toMatchObject({ peer_id: id('OWNER'), answer: { sdp: 'real' } })
  })

  it('allows one peer_id per socket per swarm', async () => {
    const a = await open()
    await a.request(announce(IH, id('A1')))
    expect(await a.request(announce(IH, id('A2')))).toMatchObject({ 'failure reason': expect.stringContaining('another peer_id') })
    expect(await a.request(announce(IH2, id('A2')))).toMatchObject({ incomplete: 1 })
  })
})

describe('leaving', () => {
  it('a closed socket leaves all its swarms at once', async () => {
    const a = await open()
    const b = await open()
    for (let i = 0; i < 5; i++) await a.request(announce(id(`t${i}`), id('A')))
    await b.request(announce(id('t0'), id('B')))
    expect(server.tracker.table.swarms.size).toBe(5)
    await a.close()
    await new Promise(r => setTimeout(r, 50))
    expect(server.tracker.table.swarms.size).toBe(1)
    expect(server.tracker.table.get(id('t0'))?.rtc?.map.has(id('A'))).toBe(false)
    expect(server.ws.conns.size).toBe(1)
    expect((await b.request({ action: 'scrape', info_hash: id('t0') })).files).toMatchObject({ [id('t0')]: { incomplete: 1 } })
  })

  it('silent peers expire; fresh ones stay', async () => {
    const a = await open()
    const b = await open()
    await a.request(announce(IH, id('A')))
    await b.request(announce(IH, id('B')))
    server.clock.now += 200_000
    await b.request(announce(IH, id('B'), { event: undefined }))
    server.clock.now += 150_000 // A silent 350 s (> 300 s peer ttl), B 150 s
    expect(server.tracker.expire()).toBe(1)
    const swarm = server.tracker.table.get(IH)
    expect([...(swarm?.rtc?.map.keys() ?? [])]).toEqual([id('B')])
    // A's socket no longer owns a peer there: it may announce again as a new peer.
    expect(await a.request(announce(IH, id('A')))).toMatchObject({ incomplete: 2 })
  })

  it('heartbeat drops a socket that stopped answering pings', async () => {
    const a = await open()
    await a.request(announce(IH, id('A')))
    const conn = [...server.ws.conns][0]
    expect(conn).toBeDefined()
    server.ws.heartbeat() // pings; a live ws client pongs
    await new Promise(r => setTimeout(r, 50))
    expect(conn?.alive).toBe(true)
    if (conn !== undefined) conn.alive = false // as if the pong never came
    server.ws.heartbeat()
    expect(await a.closed).toBe(1006)
    expect(server.tracker.table.swarms.size).toBe(0)
  })
})
