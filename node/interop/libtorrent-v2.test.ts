// BEP 52 against libtorrent (python3-libtorrent, the engine inside qBittorrent and Deluge) over TCP,
// through our tracker process on loopback: libtorrent seeds a v2-only torrent and `cli download` starts
// from its v2 magnet alone (btmh). Everything goes through v2: the swarm id is the v2 hash truncated,
// the info dict comes by BEP 9 checked against it, and the piece layers come from libtorrent by hash
// requests (the file spans many pieces, and a magnet carries no layers), proven against each file's
// root. Bytes compared at the end. Restarted, the download resumes from the .torrent it kept (with the
// layers) by checking its data by merkle roots. The other way: `cli seed --v2`, libtorrent downloads.
import { randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { toHex } from '../../shared/bytes.ts'
import { freePort, startAppServer, type AppServer } from '../../e2e/support/app-server.ts'
import { createTorrent, parseTorrent } from '../../shared/metainfo/index.ts'
import { requireTool } from '../../shared/metainfo/test-support/tools.ts'
import { cli, DEBIAN_PYTHON, libtorrentPeer, type Proc } from './processes.ts'

const SIZE = 2 * 1024 * 1024 + 54_321 // 34 pieces of 64 KiB: a piece layer to fetch
let server: AppServer
let root: string
const procs: Proc[] = []

beforeAll(async () => {
  requireTool(DEBIAN_PYTHON, 'python3-libtorrent')
  server = await startAppServer()
  root = await mkdtemp(join(tmpdir(), 'swarmdrop-node-peer-v2-'))
}, 60_000)
afterAll(async () => {
  await Promise.all(procs.splice(0).map((p) => p.kill('SIGKILL')))
  await server?.stop()
  if (root) await rm(root, { recursive: true, force: true })
})

it('libtorrent seeds a v2-only torrent; cli download from its btmh magnet fetches metadata and piece layers from it over TCP, and resumes from the .torrent it kept', async () => {
  const dir = join(root, 'seed')
  await mkdir(dir, { recursive: true })
  const data = randomBytes(SIZE)
  await writeFile(join(dir, 'v2.bin'), data)
  const announce = `${server.url}/announce`
  const { torrent, metainfo } = await createTorrent([{ path: ['v2.bin'], length: data.length, async *stream() { yield data } }], {
    pieceLength: 65536,
    metaVersion: 2,
    announce: [[announce]],
  })
  expect(metainfo.pieceLayers.size).toBe(1)
  const torrentPath = join(root, 'v2.torrent')
  await writeFile(torrentPath, torrent)
  procs.push(libtorrentPeer({ mode: 'seed', torrent: torrentPath, dir, port: await freePort() }))

  const magnet = `magnet:?xt=urn:btmh:1220${toHex(metainfo.infoHashV2!)}&tr=${encodeURIComponent(announce)}`
  const out = join(root, 'out')
  const dl = cli('download', magnet, '-o', out, '--json', '--port', '0', '--no-webrtc')
  procs.push(dl)
  expect(await exitOf(dl), dl.output).toBe(0)
  expect((await readFile(join(out, 'v2.bin'))).equals(data)).toBe(true)

  // The download keeps the .torrent with the fetched layers beside its resume file; restarted after a
  // byte of the file changed (so the resume file's word no longer stands), it starts from that
  // v2-only .torrent, checks the data by merkle roots and fetches only the damaged piece again.
  const kept = await parseTorrent(new Uint8Array(await readFile(join(out, '.swarmdrop', `${metainfo.infoHashHex}.torrent`))))
  expect(kept.metaVersion).toBe(2)
  expect([...kept.pieceLayers.values()].map(toHex)).toEqual([...metainfo.pieceLayers.values()].map(toHex))
  const damaged = Buffer.from(data)
  damaged[5 * 65536 + 100]! ^= 0xff
  await writeFile(join(out, 'v2.bin'), damaged)
  const again = cli('download', magnet, '-o', out, '--json', '--port', '0', '--no-webrtc')
  procs.push(again)
  const started = await again.waitFor((l) => l['type'] === 'downloading')
  expect(started['verifiedPieces']).toBe(metainfo.pieceCount - 1)
  expect(await exitOf(again), again.output).toBe(0)
  expect((await readFile(join(out, 'v2.bin'))).equals(data)).toBe(true)
}, 150_000)

it('cli seeds a v2-only torrent it makes (--v2); libtorrent downloads it over TCP', async () => {
  const dir = join(root, 'ours')
  await mkdir(dir, { recursive: true })
  const data = randomBytes(SIZE)
  await writeFile(join(dir, 'ours.bin'), data)
  const torrentPath = join(root, 'ours.torrent')
  const announce = `${server.url}/announce`
  const seed = cli('seed', join(dir, 'ours.bin'), '--v2', '--piece-length', '65536', '--tracker', announce, '--torrent-out', torrentPath, '--json', '--port', '0', '--no-webrtc')
  procs.push(seed)
  const seeding = await seed.waitFor((l) => l['type'] === 'seeding')
  // A v2-only torrent's link names its v2 hash alone (btmh); its swarm id is that hash truncated.
  const made = await parseTorrent(new Uint8Array(await readFile(torrentPath)))
  expect(made.metaVersion).toBe(2)
  expect(seeding['infoHash']).toBe(toHex(made.infoHashV2!).slice(0, 40))
  expect(seeding['link']).toContain(`xt=urn:btmh:1220${toHex(made.infoHashV2!)}`)
  expect(seeding['link']).not.toContain('urn:btih:')

  const out = join(root, 'theirs')
  await mkdir(out, { recursive: true })
  const lt = libtorrentPeer({ mode: 'download', torrent: torrentPath, dir: out, port: await freePort() })
  procs.push(lt)
  expect(await exitOf(lt), lt.output).toBe(0)
  expect((await readFile(join(out, 'ours.bin'))).equals(data)).toBe(true)
}, 120_000)

function exitOf(p: Proc): Promise<number> {
  return Promise.race([p.exited, new Promise<number>((r) => setTimeout(() => r(-1), 100_000))])
}
