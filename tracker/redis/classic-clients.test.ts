// Real classic clients on two tracker processes that share swarms through a real redis-server: an
// aria2c seeder announces over HTTP to one process only, an aria2c downloader over UDP to the other
// only (DHT, local peer discovery and peer exchange off), so they can meet only through Redis. Bytes
// compared at the end; then HTTP and UDP scrapes and /stats of both processes say the same.

import type { ChildProcess } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startAppServer, type AppServer } from '../../e2e/support/app-server.ts'
import { parseTorrent } from '../../shared/metainfo/index.ts'
import { requireTool, run } from '../../shared/metainfo/test-support/tools.ts'
import { UdpClient, escapeBytes, httpGet, scrapePacket } from '../test-support/classic.ts'
import { ARIA2C, aria2Args, startTool } from '../test-support/clients.ts'
import { RedisServer } from '../test-support/redis-server.ts'

const MKTORRENT = '/usr/bin/mktorrent'
// Small: the point is who meets whom, not throughput.
const FILE_BYTES = 1024 * 1024 + 4321

let redis: RedisServer
let nodes: AppServer[] = []
let work: string
const children: ChildProcess[] = []

beforeAll(async () => {
  requireTool(ARIA2C, 'aria2')
  requireTool(MKTORRENT, 'mktorrent')
  redis = await RedisServer.start()
  const prefix = `classic${Math.random().toString(36).slice(2, 8)}:`
  nodes = await Promise.all([0, 1].map(() => startAppServer({
    args: ['--redis', redis.url, '--redis-prefix', prefix, '--web-root', '/nonexistent', '--log-level', 'warn'],
    startTimeoutMs: 60_000,
  })))
  work = mkdtempSync(join(tmpdir(), 'swarmdrop-redis-classic-'))
}, 90_000)
afterAll(async () => {
  for (const c of children.splice(0)) c.kill('SIGKILL')
  await Promise.all(nodes.map(n => n.stop()))
  await redis?.stop()
  if (work !== undefined) rmSync(work, { recursive: true, force: true })
})

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex')

/** The counts every view of one process gives: HTTP scrape, UDP scrape (BEP 15) and /stats. */
async function viewsOf(node: AppServer, infoHash: string): Promise<{ http: unknown; udp: unknown; stats: unknown }> {
  const http = (await httpGet(node.url, '/scrape', `info_hash=${escapeBytes(infoHash)}`)).value.files as Record<string, unknown>
  const udp = await UdpClient.open('127.0.0.1', node.udpPort)
  try {
    const r = await udp.request(scrapePacket(await udp.connect(), udp.nextTxn(), [infoHash]))
    const s = (await (await fetch(`${node.url}/stats`, { signal: AbortSignal.timeout(5000) })).json()) as Record<string, any>
    return {
      http: http[infoHash],
      udp: { complete: r.readUInt32BE(8), downloaded: r.readUInt32BE(12), incomplete: r.readUInt32BE(16) },
      stats: { torrents: s.torrents, peers: s.peers, seeders: s.seeders, leechers: s.leechers, http: s.protocols.http.peers, udp: s.protocols.udp.peers },
    }
  } finally {
    udp.close()
  }
}

async function until<T>(what: string, get: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await get()
    if (ok(v)) return v
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs / 1000} s: ${what} (last: ${JSON.stringify(v)})`)
    await new Promise(r => setTimeout(r, 250))
  }
}

describe('aria2c on two tracker processes sharing swarms through Redis', () => {
  it('a seeder announcing over HTTP to one and a downloader over UDP to the other: byte-identical, and every view counts the same', async () => {
    const [a, b] = nodes as [AppServer, AppServer]
    const seedDir = join(work, 'seed')
    const downloadDir = join(work, 'download')
    mkdirSync(seedDir, { recursive: true })
    mkdirSync(downloadDir, { recursive: true })
    const content = randomBytes(FILE_BYTES)
    writeFileSync(join(seedDir, 'file.bin'), content)
    // Two .torrent files of the same content, each naming one process (the announce URL is outside the info hash).
    const seedTorrent = join(work, 'seed.torrent')
    const downloadTorrent = join(work, 'download.torrent')
    run(MKTORRENT, ['-a', `${a.url}/announce`, '-l', '16', '-o', seedTorrent, join(seedDir, 'file.bin')])
    run(MKTORRENT, ['-a', `udp://127.0.0.1:${b.udpPort}/announce`, '-l', '16', '-o', downloadTorrent, join(seedDir, 'file.bin')])
    const meta = await parseTorrent(readFileSync(seedTorrent))
    expect((await parseTorrent(readFileSync(downloadTorrent))).infoHashHex).toBe(meta.infoHashHex)
    const infoHash = Buffer.from(meta.infoHash).toString('latin1')

    startTool(ARIA2C, [...(await aria2Args(seedDir, false)), '--seed-ratio=0.0', '--check-integrity=true', seedTorrent], children)
    // The seeder announced to a only; b's UDP scrape sees it through Redis.
    await until('b counts the seeder', () => viewsOf(b, infoHash), v => (v.udp as { complete: number }).complete === 1)

    const dl = startTool(ARIA2C, [...(await aria2Args(downloadDir, true)), '--seed-time=0', downloadTorrent], children)
    const code = await Promise.race([dl.exited, new Promise<string>(r => setTimeout(() => r('timeout'), 90_000))])
    if (code !== 0) throw new Error(`aria2c download ended with ${String(code)}:\n${dl.output()}`)
    expect(sha(readFileSync(join(downloadDir, 'file.bin')))).toBe(sha(content))

    // The downloader stopped at b (aria2c with --seed-time=0 sends no completed event: downloaded
    // stays 0); a still holds the seeder. Both processes, every view, agree.
    const counts = { complete: 1, incomplete: 0, downloaded: 0 }
    const stats = { torrents: 1, peers: 1, seeders: 1, leechers: 0, http: 1, udp: 0 }
    for (const node of [a, b]) {
      const v = await until(`${node.url} settles`, () => viewsOf(node, infoHash), v => JSON.stringify(v.stats) === JSON.stringify(stats))
      expect(v).toEqual({ http: counts, udp: counts, stats })
    }
  }, 150_000)
})
