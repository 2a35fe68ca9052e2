// The shared tracker: several nodes (startServer, each with its own sockets, table and Redis
// connections) on one real redis-server, driven by real ws clients, HTTP and UDP announces.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { Client, announce, id, offers } from '../test-support/harness.ts'
import { UdpClient, announceParams, announcePacket, compactPeers, escapeBytes, httpGet, query, readAnnounceReply } from '../test-support/classic.ts'
import { startCluster, type TestCluster, type TestNode } from '../test-support/cluster.ts'
import { RedisServer } from '../test-support/redis-server.ts'

let redis: RedisServer
let cluster: TestCluster
const clients: Client[] = []

beforeAll(async () => {
  redis = await RedisServer.start()
})
afterAll(async () => {
  await redis.stop()
})
afterEach(async () => {
  for (const c of clients.splice(0)) c.ws.terminate()
  await cluster?.close()
})

const open = async (node: TestNode): Promise<Client> => {
  const c = await Client.open(node.wsUrl)
  clients.push(c)
  return c
}

const IH = id('shared-torrent')

async function statsOf(node: TestNode): Promise<Record<string, any>> {
  return (await (await fetch(`${node.url}/stats`)).json()) as Record<string, any>
}

async function eventually(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`)
    await new Promise(r => setTimeout(r, 50))
  }
}

describe('two nodes on one Redis', () => {
  it('count one swarm: announces, WebSocket, HTTP and UDP scrapes and /stats agree on both nodes', async () => {
    cluster = await startCluster(redis.url, 2)
    const [n1, n2] = cluster.nodes as [TestNode, TestNode]
    const a = await open(n1)
    const b = await open(n2)
    expect(await a.request(announce(IH, id('A'), { left: 0 }))).toMatchObject({ complete: 1, incomplete: 0 })
    expect(await b.request(announce(IH, id('B'), { left: 10 }))).toMatchObject({ complete: 1, incomplete: 1 })
    // A classic leecher on node 2, over HTTP.
    await httpGet(n2.url, '/announce', query(announceParams(IH, id('C'), { port: 7001 })))
    for (const node of [n1, n2]) {
      const c = await open(node)
      const ws = await c.request({ action: 'scrape', info_hash: IH })
      expect(ws.files).toEqual({ [IH]: { complete: 1, incomplete: 2, downloaded: 0 } })
      const http = await httpGet(node.url, '/scrape', `info_hash=${escapeBytes(IH)}`)
      expect((http.value.files as Record<string, unknown>)[IH]).toEqual({ complete: 1, incomplete: 2, downloaded: 0 })
      const s = await statsOf(node)
      expect(s).toMatchObject({ torrents: 1, peers: 3, seeders: 1, leechers: 2, redis: { status: 'ok' } })
      expect(s.protocols).toMatchObject({ ws: { peers: 2 }, http: { peers: 1 } })
    }
    // Each node's own table holds only what was announced to it.
    expect((await statsOf(n1)).node).toMatchObject({ peers: 1 })
    expect((await statsOf(n2)).node).toMatchObject({ peers: 2 })
  })

  it('relay an offer to the node holding the answerer and the answer back; the fresh-offer rule holds across nodes', async () => {
    cluster = await startCluster(redis.url, 2)
    const [n1, n2] = cluster.nodes as [TestNode, TestNode]
    const a = await open(n1)
    const b = await open(n2)
    await a.request(announce(IH, id('A')))
    await b.request(announce(IH, id('B'), { offers: offers(1, 'b') }))
    const offer = await a.next(m => m.offer !== undefined)
    expect(offer).toMatchObject({ action: 'announce', info_hash: IH, peer_id: id('B'), offer_id: id('b0'), offer: { type: 'offer', sdp: 'sdp-b-0' } })
    a.send({ action: 'announce', info_hash: IH, peer_id: id('A'), to_peer_id: id('B'), offer_id: id('b0'), answer: { type: 'answer', sdp: 'ans' } })
    expect(await b.next(m => m.answer !== undefined)).toMatchObject({ info_hash: IH, peer_id: id('A'), offer_id: id('b0'), answer: { sdp: 'ans' } })
    // The same answer again, and an answer to an offer never relayed: refused by A's node.
    a.send({ action: 'announce', info_hash: IH, peer_id: id('A'), to_peer_id: id('B'), offer_id: id('b0'), answer: { type: 'answer', sdp: 'again' } })
    expect(await a.next(m => m['failure reason'] !== undefined)).toMatchObject({ 'failure reason': 'answer to an unknown or stale offer' })
    a.send({ action: 'announce', info_hash: IH, peer_id: id('A'), to_peer_id: id('B'), offer_id: id('never'), answer: { type: 'answer', sdp: 'x' } })
    expect(await a.next(m => m['failure reason'] !== undefined)).toMatchObject({ 'failure reason': 'answer to an unknown or stale offer' })
    expect(await b.drain(200)).toEqual([])
    expect(n2.shared.cluster.offersForwarded).toBe(1)
    expect(n1.shared.cluster.answersForwarded).toBe(1)
  })

  it('refuse a socket on node A that announces or answers as a peer_id held on node B', async () => {
    cluster = await startCluster(redis.url, 2)
    const [n1, n2] = cluster.nodes as [TestNode, TestNode]
    const owner = await open(n2)
    await owner.request(announce(IH, id('B'), { left: 0 }))
    const thief = await open(n1)
    expect(await thief.request(announce(IH, id('B'), { left: 0 }))).toMatchObject({ 'failure reason': 'peer_id belongs to another connection' })
    thief.send({ action: 'announce', info_hash: IH, peer_id: id('B'), to_peer_id: id('X'), offer_id: id('o'), answer: { type: 'answer', sdp: 'x' } })
    expect(await thief.next(m => m['failure reason'] !== undefined)).toMatchObject({ 'failure reason': 'answer from a peer_id this connection did not announce' })
    // Nothing changed: one seeder, still B's; the thief's node keeps nothing of it.
    expect(await (await open(n1)).request({ action: 'scrape', info_hash: IH })).toMatchObject({ files: { [IH]: { complete: 1, incomplete: 0 } } })
    expect(n1.tracker.table.get(IH)).toBeUndefined()
    // Once B's socket is gone, the peer_id is free on every node.
    await owner.close()
    await eventually(async () => (await statsOf(n1)).peers === 0, 'the closed socket leaves the shared swarm')
    expect(await thief.request(announce(IH, id('B'), { left: 0 }))).toMatchObject({ complete: 1 })
  })

  it('give classic clients the classic peers announced on other nodes (seeders get leechers first)', async () => {
    cluster = await startCluster(redis.url, 2)
    const [n1, n2] = cluster.nodes as [TestNode, TestNode]
    await httpGet(n1.url, '/announce', query(announceParams(IH, id('S1'), { port: 7001, left: 0, ip: undefined })))
    await httpGet(n1.url, '/announce', query(announceParams(IH, id('S2'), { port: 7002, left: 0 })))
    const udp = await UdpClient.open('127.0.0.1', n2.udpPort as number)
    try {
      const cid = await udp.connect()
      const r = readAnnounceReply(await udp.request(announcePacket(cid, udp.nextTxn(), { infoHash: IH, peerId: id('L'), port: 7003, left: 5 })))
      expect(r).toMatchObject({ seeders: 2, leechers: 1 })
      // Same address (127.0.0.1) as the asker: the tracker gives other ports of it (other clients), never its own entry.
      expect(r.peers.sort()).toEqual(['127.0.0.1:7001', '127.0.0.1:7002'])
    } finally {
      udp.close()
    }
    const one = await httpGet(n1.url, '/announce', query(announceParams(IH, id('S1'), { port: 7001, left: 0, event: undefined, numwant: 1 })))
    expect(compactPeers(one.value.peers as string)).toEqual(['127.0.0.1:7003'])
    // Seeders fill the rest: a client from a magnet says left=0 before it has the metadata.
    const all = await httpGet(n1.url, '/announce', query(announceParams(IH, id('S1'), { port: 7001, left: 0, event: undefined })))
    expect(compactPeers(all.value.peers as string)).toEqual(['127.0.0.1:7003', '127.0.0.1:7002'])
  })

  it('let a silent peer leave by itself: uncounted past the TTL, swept from Redis, on every node', async () => {
    cluster = await startCluster(redis.url, 2, c => { c.timing.peerTtl = 60 })
    const [n1, n2] = cluster.nodes as [TestNode, TestNode]
    const a = await open(n1)
    await a.request(announce(IH, id('A')))
    await httpGet(n2.url, '/announce', query(announceParams(IH, id('C'), { port: 7001 })))
    expect(await statsOf(n2)).toMatchObject({ peers: 2 })
    cluster.clock.now += 61_000
    const b = await open(n2)
    expect(await b.request({ action: 'scrape', info_hash: IH })).toMatchObject({ files: { [IH]: { complete: 0, incomplete: 0 } } })
    // The next sweep (any node's) removes them and the totals follow.
    n2.tracker.expire()
    await eventually(async () => (await statsOf(n1)).peers === 0, 'swept')
    expect(await statsOf(n1)).toMatchObject({ torrents: 0, peers: 0, seeders: 0, leechers: 0 })
  })

  it('stop offering to the browsers of a node that is gone, and free their peer_ids', async () => {
    cluster = await startCluster(redis.url, 2)
    const [n1, n2] = cluster.nodes as [TestNode, TestNode]
    const gone = await open(n2)
    await gone.request(announce(IH, id('G')))
    // n2 stops (its alive key goes; a killed node's runs out within the node TTL): its sockets are
    // closed, and announcing its peer_id elsewhere is no longer refused.
    await n2.close()
    const a = await open(n1)
    expect(await a.request(announce(IH, id('G'), { offers: offers(2, 'g') }))).toMatchObject({ action: 'announce', interval: 120 })
    expect(n1.shared.cluster.offersForwarded).toBe(0)
  })
})

describe('Redis lost and back', () => {
  it('serves each node from its own table, says degraded, and writes the table back when Redis returns', async () => {
    cluster = await startCluster(redis.url, 2, c => { c.timing.redisTimeout = 1 })
    const [n1, n2] = cluster.nodes as [TestNode, TestNode]
    const a = await open(n1)
    const b = await open(n2)
    await a.request(announce(IH, id('A'), { left: 0 }))
    await b.request(announce(IH, id('B')))
    await redis.kill()
    await eventually(async () => (await (await fetch(`${n1.url}/healthz`)).json()).status === 'degraded', 'node 1 degraded')
    expect(await (await fetch(`${n1.url}/metrics`)).text()).toMatch(/^swarmdrop_redis_degraded 1$/m)
    // Each node still answers, from what it knows: node 1 only its own seeder, plus a newcomer.
    const c = await open(n1)
    expect(await c.request(announce(IH, id('C'), { offers: offers(1, 'c') }))).toMatchObject({ complete: 1, incomplete: 1 })
    expect(await a.next(m => m.offer !== undefined)).toMatchObject({ peer_id: id('C') })
    // B leaves while Redis is lost: removed when it returns.
    await b.close()
    await redis.run()
    for (const node of [n1, n2]) {
      await eventually(async () => (await (await fetch(`${node.url}/healthz`)).json()).status === 'ok', 'back to ok', 20_000)
    }
    // The empty Redis now holds what the nodes hold: A and C from node 1, nothing of B.
    expect(await statsOf(n2)).toMatchObject({ peers: 2, seeders: 1, leechers: 1, redis: { status: 'ok' } })
    expect(n1.shared.cluster.resyncedPeers).toBe(2)
    // And browsers on different nodes meet again.
    const d = await open(n2)
    await d.request(announce(IH, id('D'), { offers: offers(2, 'd') }))
    expect(await a.next(m => m.offer !== undefined)).toMatchObject({ peer_id: id('D') })
  }, 60_000)

  it('refuses to start when Redis is unreachable, saying where it tried', async () => {
    const { startServer } = await import('../server.ts')
    const { redisConfig } = await import('../test-support/cluster.ts')
    const { createLogger } = await import('../log.ts')
    const { freePort } = await import('../../e2e/support/app-server.ts')
    const url = `redis://127.0.0.1:${await freePort()}`
    await expect(startServer(redisConfig(url, 'x:'), { logger: createLogger('silent') })).rejects.toMatchObject({
      name: 'StoreUnavailableError', message: expect.stringContaining(`cannot reach Redis at ${url}`),
    })
  })
})
