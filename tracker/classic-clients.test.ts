// Real BitTorrent clients against the real tracker process (as `npm start` runs it), on loopback:
// aria2c seeds and a second aria2c downloads, finding the seeder through our tracker only (DHT, local
// peer discovery and peer exchange off), over HTTP and over UDP; transmission seeds and aria2c
// downloads; aria2c started from a magnet link finds the seeder (it announces left=0 before it has
// the metadata); bittorrent-tracker's npm client announces and scrapes over HTTP, UDP and WebSocket and
// sees the same swarm. Bytes compared at the end. The clients come from Debian (.ci/run installs them).

import type { ChildProcess } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { register } from 'node:module'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { freePort, freeUdpPort, startAppServer, type AppServer } from '../e2e/support/app-server.ts'
import { parseTorrent } from '../shared/metainfo/index.ts'
import { requireTool, run } from '../shared/metainfo/test-support/tools.ts'
import { escapeBytes, httpGet } from './test-support/classic.ts'
import { ARIA2C, aria2Args, startTool, type Tool } from './test-support/clients.ts'

const MKTORRENT = '/usr/bin/mktorrent'
const TRANSMISSION_CLI = '/usr/bin/transmission-cli'
const FILE_BYTES = 4 * 1024 * 1024 + 12_345

let server: AppServer
let work: string
const children: ChildProcess[] = []

beforeAll(async () => {
  requireTool(ARIA2C, 'aria2')
  requireTool(MKTORRENT, 'mktorrent')
  requireTool(TRANSMISSION_CLI, 'transmission-cli')
  server = await startAppServer({ args: ['--log-level', 'warn', '--web-root', '/nonexistent'] })
  work = mkdtempSync(join(tmpdir(), 'swarmdrop-tracker-classic-'))
}, 60_000)
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL')
})
afterAll(async () => {
  await server.stop()
  rmSync(work, { recursive: true, force: true })
})

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex')

/**
 * A seed directory holding a file of fresh random bytes (so every test has its own info hash: the
 * announce URL is not part of it), and a .torrent (64 KiB pieces) announcing to `announce`.
 */
function makeTorrent(name: string, announce: string): { torrent: string; seedDir: string; content: Buffer } {
  const seedDir = join(work, name, 'seed')
  mkdirSync(seedDir, { recursive: true })
  const content = randomBytes(FILE_BYTES)
  writeFileSync(join(seedDir, 'file.bin'), content)
  const torrent = join(work, name, 'file.torrent')
  run(MKTORRENT, ['-a', announce, '-l', '16', '-o', torrent, join(seedDir, 'file.bin')])
  return { torrent, seedDir, content }
}

const start = (cmd: string, args: string[]): Tool => startTool(cmd, args, children)

async function protocolStats(): Promise<Record<string, { announces: number; peers: number }>> {
  const stats = (await (await fetch(`${server.url}/stats`)).json()) as { protocols: Record<string, { announces: number; peers: number }> }
  return stats.protocols
}

/** Wait (bounded) until our tracker counts a seeder in the torrent's swarm (scrape over HTTP). */
async function waitForSeeder(torrent: string): Promise<void> {
  const infoHash = Buffer.from((await parseTorrent(readFileSync(torrent))).infoHash).toString('latin1')
  const deadline = Date.now() + 60_000
  for (;;) {
    const r = await httpGet(server.url, '/scrape', `info_hash=${escapeBytes(infoHash)}`)
    const files = r.value.files as Record<string, { complete: number }>
    if ((files[infoHash]?.complete ?? 0) > 0) return
    if (Date.now() > deadline) throw new Error('no seeder announced within 60 s')
    await new Promise(res => setTimeout(res, 250))
  }
}

/** Download `torrent` (a .torrent file or a magnet link) with aria2c into a fresh directory; resolves with the file's bytes. */
async function aria2Download(name: string, torrent: string, udp: boolean): Promise<Buffer> {
  const dir = join(work, name, 'download')
  mkdirSync(dir, { recursive: true })
  const dl = start(ARIA2C, [...(await aria2Args(dir, udp)), '--seed-time=0', torrent])
  const code = await Promise.race([dl.exited, new Promise<string>(r => setTimeout(() => r('timeout'), 90_000))])
  if (code !== 0) throw new Error(`aria2c download ended with ${String(code)}:\n${dl.output()}`)
  return readFileSync(join(dir, 'file.bin'))
}

describe('aria2c to aria2c through our tracker only', () => {
  it.each([['HTTP', false], ['UDP', true]] as const)('over %s: the download is byte-identical', async (proto, udp) => {
    const url = udp ? `udp://127.0.0.1:${server.udpPort}/announce` : `${server.url}/announce`
    const key = udp ? 'udp' : 'http'
    const { torrent, seedDir, content } = makeTorrent(`aria2-${proto}`, url)
    const before = (await protocolStats())[key]?.announces ?? 0
    start(ARIA2C, [...(await aria2Args(seedDir, udp)), '--seed-ratio=0.0', '--check-integrity=true', torrent])
    await waitForSeeder(torrent)
    const got = await aria2Download(`aria2-${proto}`, torrent, udp)
    expect(got.length).toBe(content.length)
    expect(sha(got)).toBe(sha(content))
    // Both clients announced over this protocol (started, and the downloader's completed or stopped).
    expect((await protocolStats())[key]?.announces ?? 0).toBeGreaterThanOrEqual(before + 2)
  }, 120_000)
})

describe('aria2c from a magnet link, aria2c seeds', () => {
  // aria2c started from a magnet announces left=0 until it has the metadata (BEP 9): it looks like a
  // seeder, and must still be given the seeders, or it never finds anyone to fetch the metadata from.
  it('over HTTP: the magnet client gets the seeder, fetches the metadata and the file, byte-identical', async () => {
    const url = `${server.url}/announce`
    const { torrent, seedDir, content } = makeTorrent('aria2-magnet', url)
    start(ARIA2C, [...(await aria2Args(seedDir, false)), '--seed-ratio=0.0', '--check-integrity=true', torrent])
    await waitForSeeder(torrent)
    const infoHashHex = (await parseTorrent(readFileSync(torrent))).infoHashHex
    const magnet = `magnet:?xt=urn:btih:${infoHashHex}&dn=file.bin&tr=${encodeURIComponent(url)}`
    const got = await aria2Download('aria2-magnet', magnet, false)
    expect(got.length).toBe(content.length)
    expect(sha(got)).toBe(sha(content))
  }, 120_000)
})

describe('transmission seeds, aria2c downloads', () => {
  it('over UDP: the download is byte-identical', async () => {
    const { torrent, seedDir, content } = makeTorrent('transmission', `udp://127.0.0.1:${server.udpPort}/announce`)
    const config = join(work, 'transmission', 'config')
    mkdirSync(config, { recursive: true })
    const peerPort = await freePort()
    writeFileSync(join(config, 'settings.json'), JSON.stringify({
      'dht-enabled': false, 'lpd-enabled': false, 'pex-enabled': false, 'utp-enabled': false, 'port-forwarding-enabled': false,
      'rpc-enabled': false, 'peer-port': peerPort, 'encryption': 0, 'download-dir': seedDir, 'incomplete-dir-enabled': false,
      'ratio-limit-enabled': false, 'idle-seeding-limit-enabled': false, 'message-level': 1,
    }))
    start(TRANSMISSION_CLI, ['-g', config, '-w', seedDir, '-p', String(peerPort), '-v', torrent])
    // Transmission announces before it has verified its data, as a leecher: wait for it as a seeder.
    await waitForSeeder(torrent)
    const got = await aria2Download('transmission', torrent, true)
    expect(sha(got)).toBe(sha(content))
  }, 150_000)
})

// bittorrent-tracker ships no types; the variable specifiers keep tsc from looking for them.
interface BtClient {
  on(e: 'update' | 'scrape', f: (d: { announce: string; complete: number; incomplete: number; downloaded?: number }) => void): void
  on(e: 'peer', f: (addr: string) => void): void
  on(e: 'error' | 'warning', f: (err: Error) => void): void
  start(): void
  update(): void
  scrape(): void
  destroy(cb?: () => void): void
}
type BtClientClass = new (opts: Record<string, unknown>) => BtClient

describe("bittorrent-tracker's client", () => {
  it('announces and scrapes over HTTP, UDP and WebSocket and sees the same swarm counts', async () => {
    register('./test-support/webrtc-polyfill-hooks.mjs', import.meta.url)
    const clientSpec = 'bittorrent-tracker/client'
    const Client = ((await import(clientSpec)) as { default: BtClientClass }).default
    const wrtcSpec = '@roamhq/wrtc'
    const wrtc = ((await import(wrtcSpec)) as { default: unknown }).default
    const infoHash = randomBytes(20).toString('hex')
    const urls = { http: `${server.url}/announce`, udp: `udp://127.0.0.1:${server.udpPort}/announce`, ws: `ws://127.0.0.1:${server.port}/announce` }
    const clients: Record<string, BtClient> = {}
    const peersSeen: Record<string, string[]> = { http: [], udp: [], ws: [] }
    const make = (proto: 'http' | 'udp' | 'ws', port: number, left: number): BtClient => {
      const c = new Client({
        infoHash, peerId: randomBytes(20), announce: [urls[proto]], port, wrtc,
        // numwant 0 over the WebSocket: counts only, no WebRTC offers to make.
        getAnnounceOpts: () => ({ left, uploaded: 0, downloaded: 0, ...(proto === 'ws' ? { numwant: 0 } : {}) }),
      })
      c.on('error', err => { throw err })
      c.on('warning', () => {})
      c.on('peer', addr => { peersSeen[proto]?.push(addr) })
      clients[proto] = c
      return c
    }
    const next = (c: BtClient, event: 'update' | 'scrape') =>
      new Promise<{ complete: number; incomplete: number; downloaded?: number }>(resolve => c.on(event, resolve))
    try {
      const seeder = make('http', 7001, 0)
      let got = next(seeder, 'update')
      seeder.start()
      await got
      for (const [proto, port] of [['udp', 7002], ['ws', 7003]] as const) {
        const c = make(proto, port, 100)
        got = next(c, 'update')
        c.start()
        await got
      }
      const updates = await Promise.all(Object.values(clients).map(c => { const p = next(c, 'update'); c.update(); return p }))
      for (const u of updates) expect(u).toMatchObject({ complete: 1, incomplete: 2 })
      const scrapes = await Promise.all(Object.values(clients).map(c => { const p = next(c, 'scrape'); c.scrape(); return p }))
      for (const s of scrapes) expect(s).toMatchObject({ complete: 1, incomplete: 2 })
      // Classic clients meet each other; the browser-protocol client is given no classic addresses.
      expect(peersSeen.udp).toContain('127.0.0.1:7001')
      expect(peersSeen.http).toContain('127.0.0.1:7002')
      expect(peersSeen.ws).toEqual([])
    } finally {
      await Promise.all(Object.values(clients).map(c => new Promise<void>(r => c.destroy(() => r()))))
    }
  }, 60_000)
})
