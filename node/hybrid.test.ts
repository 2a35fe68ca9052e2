// BEP 52 in the Node peer: a hybrid torrent's swarm has two ids (the v1 info hash, the v2 one truncated
// to 20 bytes), and a peer may dial with either (libtorrent 2 does both). The TCP listener routes both to
// the seed; the seed, being dialled, answers in the id the dialler chose. A v2-only seed's data is
// checked by merkle roots (its .torrent's piece layers), so it needs them.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bytesEqual } from '../shared/bytes.ts'
import { MemoryStore } from '../shared/engine/adapters/memory-store.ts'
import { systemClock } from '../shared/engine/adapters/system-clock.ts'
import { Torrent } from '../shared/engine/index.ts'
import { makeData } from '../shared/engine/test-support/make-torrent.ts'
import { pieceSpace, v2TorrentOf, type TestFile } from '../shared/engine/test-support/v2-torrent.ts'
import { webCryptoHasher } from '../shared/hash.ts'
import { MetainfoError } from '../shared/metainfo/index.ts'
import { newPeerId } from '../shared/peer-id.ts'
import { NodePeer } from './node-peer.ts'
import { TcpTransport } from './tcp-transport.ts'

let root: string
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'swarmdrop-node-peer-hybrid-'))
})
afterAll(async () => {
  await rm(root, { recursive: true, force: true })
})

const files: TestFile[] = [
  { path: ['album', 'a.bin'], data: makeData(70_000, 11) },
  { path: ['album', 'b.bin'], data: makeData(45_000, 12) },
]

async function onDisk(dir: string): Promise<void> {
  for (const f of files) {
    await mkdir(join(dir, ...f.path.slice(0, -1)), { recursive: true })
    await writeFile(join(dir, ...f.path), f.data)
  }
}

describe('the Node peer and BEP 52', () => {
  it('seeds a hybrid torrent to peers dialling with its v1 id and with its v2 id', async () => {
    const meta = await v2TorrentOf(files, 16384, 'hybrid')
    const dir = join(root, 'hybrid')
    await onDisk(dir)
    const seeder = await NodePeer.start({ port: 0, host: '127.0.0.1', webrtc: false })
    const leechers: Torrent[] = []
    try {
      const seed = await seeder.add({ source: { kind: 'torrent', metainfo: meta, bytes: new Uint8Array() }, dir, mode: 'seed', resumeFile: null })
      expect(seed.store!.verifiedCount).toBe(meta.pieceCount)
      const ids = seed.engine!.swarmIds()
      expect(ids.v1 && ids.v2 && !bytesEqual(ids.v1, ids.v2)).toBe(true)
      for (const swarmId of [ids.v1!, ids.v2!]) {
        const store = new MemoryStore(meta.pieceLength)
        const t = await Torrent.open(meta, { store, hasher: webCryptoHasher, clock: systemClock }, { peerId: newPeerId() })
        leechers.push(t)
        const done = new Promise<void>((r) => t.on((e) => e.type === 'done' && r()))
        const socket = connect({ host: '127.0.0.1', port: seeder.port })
        await new Promise<void>((ok, fail) => socket.once('connect', ok).once('error', fail))
        t.addPeer(new TcpTransport(socket), { kind: 'tcp', address: '127.0.0.1', initiator: true, swarmId })
        await done
        expect(Buffer.from(store.contents(meta.length)).equals(Buffer.from(pieceSpace(meta, files)))).toBe(true)
      }
      expect(seeder.listener.refused.unknownTorrent).toBe(0)
    } finally {
      for (const t of leechers) t.destroy()
      await seeder.stop()
    }
  })

  it('checks a v2-only seed by merkle roots: one damaged byte fails its piece alone', async () => {
    const meta = await v2TorrentOf(files, 16384, 2)
    const dir = join(root, 'v2')
    await onDisk(dir)
    // a.bin's second piece (16 KiB pieces, files piece-aligned): one byte changed on disk.
    const a = join(dir, 'album', 'a.bin')
    const damaged = Uint8Array.from(files[0]!.data)
    damaged[20_000]! ^= 0xff
    await writeFile(a, damaged)
    const peer = await NodePeer.start({ port: 0, host: '127.0.0.1', webrtc: false })
    try {
      const seed = await peer.add({ source: { kind: 'torrent', metainfo: meta, bytes: new Uint8Array() }, dir, mode: 'seed', resumeFile: null })
      expect(meta.pieceHashes.length).toBe(0) // no SHA-1 to go by
      expect(seed.store!.verifiedCount).toBe(meta.pieceCount - 1)
      expect(seed.store!.has(1)).toBe(false)
      expect(seed.state).toBe('seeding')
    } finally {
      await peer.stop()
    }
  })

  it('refuses to seed a v2-only .torrent without its piece layers, with one clear error', async () => {
    const meta = await v2TorrentOf(files, 16384, 2)
    expect(meta.pieceLayers.size).toBeGreaterThan(0)
    const dir = join(root, 'v2-no-layers')
    await onDisk(dir)
    const peer = await NodePeer.start({ port: 0, host: '127.0.0.1', webrtc: false })
    try {
      const adding = peer.add({ source: { kind: 'torrent', metainfo: { ...meta, pieceLayers: new Map() }, bytes: new Uint8Array() }, dir, mode: 'seed', resumeFile: null })
      await expect(adding).rejects.toThrow(MetainfoError)
      await expect(adding).rejects.toThrow(/album: this v2 torrent has no piece layer for a\.bin/)
      expect(peer.torrents()).toHaveLength(0)
    } finally {
      await peer.stop()
    }
  })
})
