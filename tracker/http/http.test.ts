// The HTTP tracker (BEP 3, 23, 7, 48) against a real server with raw HTTP requests.

import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { Client, announce, id, startTestServer, type TestServer } from '../test-support/harness.ts'
import { announceParams, compactPeers, httpGet, query, type Params } from '../test-support/classic.ts'

let server: TestServer
let base: string
const clients: Client[] = []

async function start(tweak?: Parameters<typeof startTestServer>[0]): Promise<void> {
  server = await startTestServer(tweak)
  base = `http://${server.url.includes('[') ? `[::1]` : '127.0.0.1'}:${server.port}`
}
beforeEach(async () => { await start() })
afterEach(async () => {
  for (const c of clients.splice(0)) c.ws.terminate()
  await server.close()
})

const IH = id('classic-one')
const IH2 = id('classic-two')
const ann = (params: Params, headers?: Record<string, string>) => httpGet(base, '/announce', query(params), headers)
const scrape = (hashes: string[]) => httpGet(base, '/scrape', hashes.map(h => query({ info_hash: h })).join('&'))

describe('announce', () => {
  it('answers compact peers (BEP 23) with counts and intervals, never the asker itself', async () => {
    const a = await ann(announceParams(IH, id('A'), { port: 7001 }))
    expect(a.status).toBe(200)
    expect(a.value).toEqual({ complete: 0, incomplete: 1, interval: 120, 'min interval': 60, peers: '' })
    const b = await ann(announceParams(IH, id('B'), { port: 7002, left: 0 }))
    expect(b.value).toMatchObject({ complete: 1, incomplete: 1 })
    expect(compactPeers(b.value.peers as string)).toEqual(['127.0.0.1:7001'])
    const again = await ann(announceParams(IH, id('A'), { port: 7001, event: undefined }))
    expect(compactPeers(again.value.peers as string)).toEqual(['127.0.0.1:7002'])
  })

  it('answers BEP 3 dict peers with compact=0, without peer ids when asked', async () => {
    await ann(announceParams(IH, id('A'), { port: 7001 }))
    const full = await ann(announceParams(IH, id('B'), { port: 7002, compact: 0 }))
    expect(full.value.peers).toEqual([{ ip: '127.0.0.1', 'peer id': id('A'), port: 7001 }])
    const bare = await ann(announceParams(IH, id('B'), { port: 7002, compact: 0, no_peer_id: 1 }))
    expect(bare.value.peers).toEqual([{ ip: '127.0.0.1', port: 7001 }])
  })

  it('gives a seeder leechers first and seeders after them, and honours numwant', async () => {
    for (let i = 0; i < 6; i++) await ann(announceParams(IH, id(`S${i}`), { port: 7100 + i, left: 0 }))
    for (let i = 0; i < 3; i++) await ann(announceParams(IH, id(`L${i}`), { port: 7200 + i }))
    const seeder = compactPeers((await ann(announceParams(IH, id('S0'), { port: 7100, left: 0, event: undefined }))).value.peers as string)
    expect(seeder.slice(0, 3).sort()).toEqual(['127.0.0.1:7200', '127.0.0.1:7201', '127.0.0.1:7202'])
    expect(seeder.slice(3).sort()).toEqual(['127.0.0.1:7101', '127.0.0.1:7102', '127.0.0.1:7103', '127.0.0.1:7104', '127.0.0.1:7105'])
    const few = await ann(announceParams(IH, id('S1'), { port: 7101, left: 0, numwant: 2, event: undefined }))
    const fewPeers = compactPeers(few.value.peers as string)
    expect(fewPeers).toHaveLength(2)
    expect(fewPeers.every(p => p.startsWith('127.0.0.1:72'))).toBe(true)
    const leecher = await ann(announceParams(IH, id('L0'), { port: 7200, numwant: 4, event: undefined }))
    expect(compactPeers(leecher.value.peers as string)).toHaveLength(4)
    const huge = await ann(announceParams(IH, id('L1'), { port: 7201, numwant: 10 ** 12, event: undefined }))
    expect(compactPeers(huge.value.peers as string)).toHaveLength(8)
  })

  it('counts completed downloads, moves a peer between seeders and leechers, and removes it on stopped', async () => {
    await ann(announceParams(IH, id('A')))
    expect((await ann(announceParams(IH, id('A'), { event: 'completed', left: 0 }))).value).toMatchObject({ complete: 1, incomplete: 0 })
    expect((await scrape([IH])).value).toEqual({ files: { [IH]: { complete: 1, downloaded: 1, incomplete: 0 } } })
    expect((await ann(announceParams(IH, id('A'), { event: undefined, left: 10 }))).value).toMatchObject({ complete: 0, incomplete: 1 })
    const stopped = await ann(announceParams(IH, id('A'), { event: 'stopped' }))
    expect(stopped.value).toMatchObject({ complete: 0, incomplete: 0, peers: '' })
    expect(server.tracker.table.get(IH)).toBeUndefined()
  })

  it('takes a port change as the same peer, and a missing left as a leecher', async () => {
    await ann(announceParams(IH, id('A'), { port: 7001, left: undefined }))
    expect((await ann(announceParams(IH, id('A'), { port: 7009, event: undefined }))).value).toMatchObject({ incomplete: 1 })
    const b = await ann(announceParams(IH, id('B'), { port: 7002 }))
    expect(compactPeers(b.value.peers as string)).toEqual(['127.0.0.1:7009'])
  })
})

describe('one swarm table with the WebSocket tracker', () => {
  it('counts browsers and classic peers together; classic clients get classic peers, browsers only browsers', async () => {
    const browser = await Client.open(server.wsUrl)
    clients.push(browser)
    expect(await browser.request(announce(IH, id('browser'), { left: 0 }))).toMatchObject({ complete: 1, incomplete: 0 })
    const a = await ann(announceParams(IH, id('A'), { port: 7001 }))
    expect(a.value).toMatchObject({ complete: 1, incomplete: 1, peers: '' })
    expect((await browser.request({ action: 'scrape', info_hash: IH })).files).toEqual({ [IH]: { complete: 1, incomplete: 1, downloaded: 0 } })
    expect((await scrape([IH])).value.files).toEqual({ [IH]: { complete: 1, downloaded: 0, incomplete: 1 } })
    const stats = (await (await fetch(`${base}/stats`)).json()) as { peers: number; protocols: Record<string, { peers: number; announces: number }> }
    expect(stats.peers).toBe(2)
    expect(stats.protocols.ws).toMatchObject({ peers: 1, announces: 1 })
    expect(stats.protocols.http).toMatchObject({ peers: 1, announces: 1 })
  })
})

describe('scrape (BEP 48)', () => {
  it('answers several info hashes, unknown ones with zeros', async () => {
    await ann(announceParams(IH, id('A'), { left: 0 }))
    await ann(announceParams(IH2, id('B')))
    const r = await scrape([IH, IH2, id('nobody')])
    expect(r.value).toEqual({ files: {
      [IH]: { complete: 1, downloaded: 0, incomplete: 0 },
      [IH2]: { complete: 0, downloaded: 0, incomplete: 1 },
      [id('nobody')]: { complete: 0, downloaded: 0, incomplete: 0 },
    } })
  })

  it('refuses a full scrape and more hashes than the limit', async () => {
    expect((await httpGet(base, '/scrape', '')).value).toEqual({ 'failure reason': expect.stringContaining('full scrape') })
    await server.close()
    await start(c => { c.limits.maxScrapeHashes = 3 })
    const four = Array.from({ length: 4 }, (_, i) => id(`h${i}`))
    expect((await scrape(four)).value['failure reason']).toContain('at most 3')
    expect(Object.keys((await scrape(four.slice(0, 3))).value.files as object)).toHaveLength(3)
  })
})

describe('bad requests: a failure reason with HTTP 200, counted by reason', () => {
  const good = announceParams(IH, id('A'))
  const cases: [string, string, string][] = [
    ['no info_hash', query({ ...good, info_hash: undefined }), 'missing_key'],
    ['a short info_hash', query({ ...good, info_hash: 'x'.repeat(19) }), 'bad_info_hash'],
    ['a long info_hash', query({ ...good, info_hash: 'x'.repeat(21) }), 'bad_info_hash'],
    ['a short peer_id', query({ ...good, peer_id: 'short' }), 'bad_peer_id'],
    ['a non-numeric port', query({ ...good, port: 'http' }), 'bad_port'],
    ['port 0', query({ ...good, port: 0 }), 'bad_port'],
    ['port 65536', query({ ...good, port: 65536 }), 'bad_port'],
    ['no port', query({ ...good, port: undefined }), 'missing_key'],
    ['a negative left', query({ ...good, left: -5 }), 'bad_number'],
    ['a fractional uploaded', query({ ...good, uploaded: '1.5' }), 'bad_number'],
    ['a garbage numwant', query({ ...good, numwant: 'lots' }), 'bad_number'],
    ['an unknown event', query({ ...good, event: 'exploded' }), 'bad_event'],
    ['a repeated info_hash', query(good) + '&info_hash=' + '%41'.repeat(20), 'repeated_key'],
    ['a repeated port', query(good) + '&port=1', 'repeated_key'],
    ['a broken escape', query(good).replace('info_hash=%', 'info_hash=%zz'), 'bad_query'],
    ['a truncated escape', query(good) + '&key=%4', 'bad_query'],
  ]
  it.each(cases)('%s', async (_name, q, reason) => {
    const r = await httpGet(base, '/announce', q)
    expect(r.status).toBe(200)
    expect(Object.keys(r.value)).toEqual(['failure reason'])
    expect(server.tracker.counters.rejected.http[reason as 'bad_port']).toBe(1)
    expect(server.tracker.table.swarms.size).toBe(0)
    const metrics = await (await fetch(`${base}/metrics`)).text()
    expect(metrics).toContain(`swarmdrop_rejected_requests_total{protocol="http",reason="${reason}"} 1`)
  })

  it('tolerates unknown keys, empty pairs and a literal + in other values', async () => {
    const r = await httpGet(base, '/announce', query(announceParams(IH, id('A'))) + '&&supportcrypto=1&key=a+b&corrupt=0&trackerid=')
    expect(r.value).toMatchObject({ incomplete: 1 })
  })

  it('answers 405 to methods other than GET', async () => {
    expect((await fetch(`${base}/announce?${query(announceParams(IH, id('A')))}`, { method: 'POST' })).status).toBe(405)
  })

  it('rate-limits one address: a failure reason with retry in, others unaffected', async () => {
    await server.close()
    await start(c => { c.limits.requestsPerSecondPerIp = 1; c.limits.requestBurstPerIp = 3 })
    for (let i = 0; i < 3; i++) expect((await ann(announceParams(IH, id('A')))).value).toMatchObject({ incomplete: 1 })
    const limited = await ann(announceParams(IH, id('A')))
    expect(limited.value).toEqual({ 'failure reason': expect.stringContaining('rate limit'), 'retry in': 1 })
    expect(server.tracker.counters.rejected.http.rate_limited).toBe(1)
  })
})

describe('addresses', () => {
  it('ignores ip= and X-Forwarded-For unless proxies are trusted', async () => {
    await ann(announceParams(IH, id('A'), { ip: '203.0.113.5' }), { 'X-Forwarded-For': '198.51.100.1' })
    const b = await ann(announceParams(IH, id('B'), { port: 7002 }))
    expect(compactPeers(b.value.peers as string)).toEqual(['127.0.0.1:6881'])
  })

  it('with --trust-proxy takes the proxy\'s address, or ip=, and another address cannot stop a peer', async () => {
    await server.close()
    await start(c => { c.trustProxy = true })
    await ann(announceParams(IH, id('A'), { port: 7001 }), { 'X-Forwarded-For': '198.51.100.1' })
    await ann(announceParams(IH, id('B'), { port: 7002, ip: '203.0.113.5' }))
    // Someone else says A stopped: another address, so another peer entry, and A stays.
    await ann(announceParams(IH, id('A'), { port: 7001, event: 'stopped' }), { 'X-Forwarded-For': '192.0.2.66' })
    const c = await ann(announceParams(IH, id('C'), { port: 7003 }))
    expect(compactPeers(c.value.peers as string).sort()).toEqual(['198.51.100.1:7001', '203.0.113.5:7002'])
    expect((await ann(announceParams(IH, id('D'), { ip: 'localhost' }))).value['failure reason']).toContain('invalid ip')
  })

  it('serves IPv6 clients peers6 (BEP 7) and IPv4 clients peers, from one dual-stack listener', async () => {
    await server.close()
    await start(c => { c.host = '::' })
    const v6 = (p: Params) => httpGet(`http://[::1]:${server.port}`, '/announce', query(p))
    const v4 = (p: Params) => httpGet(`http://127.0.0.1:${server.port}`, '/announce', query(p))
    await v6(announceParams(IH, id('six-a'), { port: 7001 }))
    await v4(announceParams(IH, id('four-a'), { port: 7002 }))
    const six = await v6(announceParams(IH, id('six-b'), { port: 7003 }))
    expect(compactPeers(six.value.peers6 as string, 6)).toEqual(['[0:0:0:0:0:0:0:1]:7001'])
    expect(six.value.peers).toBe('')
    const four = await v4(announceParams(IH, id('four-b'), { port: 7004 }))
    expect(compactPeers(four.value.peers as string)).toEqual(['127.0.0.1:7002'])
    expect(four.value.peers6).toBeUndefined()
    // BEP 7: a client that names an IPv6 address gets both.
    const both = await v4(announceParams(IH, id('four-c'), { port: 7005, ipv6: '2001:db8::9' }))
    expect(compactPeers(both.value.peers6 as string, 6)).toHaveLength(2)
    expect(six.value).toMatchObject({ incomplete: 3 })
  })
})
