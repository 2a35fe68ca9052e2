// The engine's hostile-peer cases again, over real TCP sockets into a running Node peer: what a
// stranger on the internet can do to a seedbox. Plus what only TCP has: handshakes that never come
// (slow-loris), connections that are not BitTorrent, too many connections from one address.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { connect, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { toHex } from '../shared/bytes.ts'
import { BLOCK_SIZE, MemoryStore, Torrent } from '../shared/engine/index.ts'
import { systemClock } from '../shared/engine/adapters/system-clock.ts'
import { makeData } from '../shared/engine/test-support/make-torrent.ts'
import { malformedMessages } from '../shared/engine/test-support/hostile-messages.ts'
import { RawPeer } from '../shared/engine/test-support/raw-peer.ts'
import { peerIdFor } from '../shared/engine/test-support/swarm.ts'
import { webCryptoHasher } from '../shared/hash.ts'
import { createTorrent, parseTorrent, type Metainfo } from '../shared/metainfo/index.ts'
import { NodePeer } from './node-peer.ts'
import type { NodeTorrent } from './node-torrent.ts'
import { TcpTransport } from './tcp-transport.ts'

const PIECE = 32768
const DATA = makeData(25 * PIECE - 1000, 7) // 25 pieces: the bitfield has spare bits
let meta: Metainfo
let torrentBytes: Uint8Array
let root: string
const running: NodePeer[] = []
const sockets: Socket[] = []

beforeAll(async () => {
  expect(Math.ceil(DATA.length / PIECE)).toBe(25) // the cases below assume 25 pieces
  root = await mkdtemp(join(tmpdir(), 'swarmdrop-node-peer-hostile-'))
  const made = await createTorrent([{ path: ['h.bin'], length: DATA.length, async *stream() { yield DATA } }], { pieceLength: PIECE, creationDate: null })
  torrentBytes = made.torrent
  meta = await parseTorrent(made.torrent)
})
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy()
  await Promise.all(running.splice(0).map((p) => p.stop()))
})
afterAll(async () => {
  await rm(root, { recursive: true, force: true })
})

async function nodePeer(o: { seed?: boolean; perAddress?: number; handshakeTimeoutMs?: number } = {}): Promise<{ peer: NodePeer; t: NodeTorrent; dir: string }> {
  const dir = await mkdtemp(join(root, 'p-'))
  if (o.seed) await writeFile(join(dir, 'h.bin'), DATA)
  const peer = await NodePeer.start({ port: 0, host: '127.0.0.1', webrtc: false, ...(o.perAddress ? { maxConnectionsPerAddress: o.perAddress } : {}), ...(o.handshakeTimeoutMs ? { handshakeTimeoutMs: o.handshakeTimeoutMs } : {}) })
  running.push(peer)
  const t = await peer.add({ source: { kind: 'torrent', metainfo: meta, bytes: torrentBytes }, dir, mode: o.seed ? 'seed' : 'download', resumeFile: null })
  return { peer, t, dir }
}

function dial(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port }, () => resolve(s))
    s.on('error', reject)
    sockets.push(s)
  })
}

function closedSoon(s: Socket, ms = 15_000): Promise<number> {
  const start = Date.now()
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('socket still open')), ms)
    s.once('close', () => {
      clearTimeout(timer)
      resolve(Date.now() - start)
    })
  })
}

/** An engine peer over a real TCP connection to `port` (the honest seeder, or a corrupt one). */
async function enginePeer(port: number, name: string, store: MemoryStore): Promise<Torrent> {
  const t = await Torrent.open(meta, { store, hasher: webCryptoHasher, clock: systemClock }, { peerId: peerIdFor(name) })
  t.addPeer(new TcpTransport(await dial(port)))
  return t
}

function closeReason(t: NodeTorrent, name: string): string | undefined {
  const id = toHex(peerIdFor(name))
  return t.stats()!.closedPeers.find((p) => p.peerId === id)?.reason
}

class CorruptStore extends MemoryStore {
  override async read(index: number, begin: number, length: number): Promise<Uint8Array> {
    const block = (await super.read(index, begin, length)).slice()
    block[0]! ^= 0xff
    return block
  }
}

describe('hostile peers over TCP', () => {
  it('a peer serving corrupt blocks is banned; the download completes from the honest one with identical bytes', async () => {
    const { peer, t, dir } = await nodePeer()
    const corrupt = Object.assign(new CorruptStore(PIECE), { pieces: MemoryStore.seeded(DATA, PIECE).pieces })
    const bad = await enginePeer(peer.port, 'corrupt', corrupt)
    const good = await enginePeer(peer.port, 'honest', MemoryStore.seeded(DATA, PIECE))
    await new Promise<void>((resolve) => (t.state === 'seeding' ? resolve() : t.on((e) => e.type === 'done' && resolve())))
    expect(t.stats()!.banned).toBe(1)
    expect(closeReason(t, 'corrupt')).toMatch(/banned/)
    await t.store!.close()
    expect((await readFile(join(dir, 'h.bin'))).equals(Buffer.from(DATA))).toBe(true)
    bad.destroy()
    good.destroy()
  })

  it.each(malformedMessages(25))('%s closes that connection and nothing else', async (_name, act, reason) => {
    const { peer, t } = await nodePeer({ seed: true })
    const evil = new RawPeer(new TcpTransport(await dial(peer.port)), meta.infoHash, peerIdFor('evil'))
    const honest = new RawPeer(new TcpTransport(await dial(peer.port)), meta.infoHash, peerIdFor('honest'))
    await expect.poll(() => evil.count('handshake') + honest.count('handshake'), { timeout: 10_000 }).toBe(2)
    act(evil)
    await expect.poll(() => evil.closed, { timeout: 10_000 }).toBe(true)
    expect(closeReason(t, 'evil')).toMatch(reason)
    // The other connection still works: it asks and gets a block.
    honest.send({ type: 'interested' })
    await expect.poll(() => honest.count('unchoke'), { timeout: 15_000 }).toBe(1)
    honest.send({ type: 'request', index: 3, begin: 0, length: BLOCK_SIZE })
    await expect.poll(() => honest.count('piece'), { timeout: 10_000 }).toBe(1)
    expect(honest.closed).toBe(false)
  })

  it('a request flood is bounded: the queue never passes its limit and the flooder is dropped', async () => {
    const { peer, t } = await nodePeer({ seed: true })
    const socket = await dial(peer.port)
    const evil = new RawPeer(new TcpTransport(socket), meta.infoHash, peerIdFor('flood'))
    await expect.poll(() => evil.count('unchoke') + evil.count('haveAll'), { timeout: 10_000 }).toBeGreaterThan(0)
    // It stops reading what we send: our writes back up, so its requests pile up however fast we serve.
    socket.pause()
    evil.send({ type: 'haveNone' }, { type: 'interested' })
    let maxQueue = 0
    const limit = t.engine!.limits.maxPeerRequestQueue
    for (let round = 0; round < 200 && !evil.closed; round++) {
      for (let i = 0; i < 50; i++) evil.send({ type: 'request', index: i % meta.pieceCount, begin: 0, length: BLOCK_SIZE })
      await new Promise((r) => setTimeout(r, 5))
      for (const p of t.stats()!.peers) maxQueue = Math.max(maxQueue, p.queuedRequests)
    }
    await expect.poll(() => closeReason(t, 'flood'), { timeout: 15_000 }).toBeDefined()
    expect(maxQueue).toBeLessThanOrEqual(limit)
    expect(closeReason(t, 'flood')).toMatch(/bad requests|flood/)
  })
})

describe('the TCP listener', () => {
  it('cuts a slow-loris that trickles its handshake, however steady the trickle', async () => {
    const { peer } = await nodePeer({ seed: true, handshakeTimeoutMs: 800 })
    const s = await dial(peer.port)
    const handshake = new Uint8Array([19, ...new TextEncoder().encode('BitTorrent protocol')])
    let i = 0
    const drip = setInterval(() => i < handshake.length && s.write(handshake.subarray(i, ++i)), 100)
    const took = await closedSoon(s)
    clearInterval(drip)
    expect(took).toBeGreaterThanOrEqual(700)
    expect(peer.listener.refused.timedOut).toBe(1)
    expect(peer.listener.pendingCount).toBe(0)
  })

  it('closes a connection that is not the plain BitTorrent handshake, or names a torrent we do not have', async () => {
    const { peer } = await nodePeer({ seed: true })
    const mse = await dial(peer.port)
    mse.write(makeData(96, 3)) // an encrypted (MSE) handshake starts with 96 random bytes
    await closedSoon(mse)
    expect(peer.listener.refused.notBitTorrent).toBe(1)
    const other = await dial(peer.port)
    const t = new RawPeer(new TcpTransport(other), new Uint8Array(20).fill(7), peerIdFor('lost'))
    await expect.poll(() => t.closed, { timeout: 10_000 }).toBe(true)
    expect(peer.listener.refused.unknownTorrent).toBe(1)
  })

  it('allows at most maxConnectionsPerAddress connections from one address', async () => {
    const { peer } = await nodePeer({ seed: true, perAddress: 2 })
    const a = new RawPeer(new TcpTransport(await dial(peer.port)), meta.infoHash, peerIdFor('a'))
    const b = new RawPeer(new TcpTransport(await dial(peer.port)), meta.infoHash, peerIdFor('b'))
    await expect.poll(() => a.count('handshake') + b.count('handshake'), { timeout: 10_000 }).toBe(2)
    const third = await dial(peer.port)
    await closedSoon(third, 5_000)
    expect(peer.listener.refused.capped).toBe(1)
    expect(peer.limiter.count('127.0.0.1')).toBe(2)
    // A slot frees when a connection ends.
    a.transport.close()
    await expect.poll(() => peer.limiter.count('127.0.0.1'), { timeout: 5_000 }).toBe(1)
    const fourth = new RawPeer(new TcpTransport(await dial(peer.port)), meta.infoHash, peerIdFor('d'))
    await expect.poll(() => fourth.count('handshake'), { timeout: 10_000 }).toBe(1)
    expect(b.closed).toBe(false)
  })
})


