// Classic BitTorrent clients and the Node peer, through our own tracker process over HTTP, on loopback
// (DHT, LPD and PEX off): the classic client seeds and `cli download` fetches over TCP; `cli seed`
// seeds and the classic client fetches. aria2c, and libtorrent (python3-libtorrent, the engine inside
// qBittorrent and Deluge). Bytes compared at the end.
import { randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { freePort, startAppServer, type AppServer } from '../../e2e/support/app-server.ts'
import { createTorrent } from '../../shared/metainfo/index.ts'
import { requireTool } from '../../shared/metainfo/test-support/tools.ts'
import { httpAnnounce } from '../trackers/http-tracker.ts'
import { aria2c, ARIA2C, bundledCli, cli, DEBIAN_PYTHON, libtorrentPeer, type Proc } from './processes.ts'

const SIZE = 3 * 1024 * 1024 + 12_345 // a few MiB: the full-size runs are the benchmark's
let server: AppServer
let root: string
const procs: Proc[] = []

beforeAll(async () => {
  requireTool(ARIA2C, 'aria2')
  requireTool(DEBIAN_PYTHON, 'python3-libtorrent')
  server = await startAppServer()
  root = await mkdtemp(join(tmpdir(), 'swarmdrop-node-peer-classic-'))
}, 60_000) // the tracker process's start (tsx) is slow on a loaded machine
afterEach(async () => {
  await Promise.all(procs.splice(0).map((p) => p.kill('SIGKILL')))
})
afterAll(async () => {
  await server?.stop()
  if (root) await rm(root, { recursive: true, force: true })
})

function track(p: Proc): Proc {
  procs.push(p)
  return p
}

/** A fresh file of random bytes in its own folder, and a .torrent for it announcing to our tracker. */
async function fixture(name: string): Promise<{ dir: string; data: Buffer; torrentPath: string; announce: string }> {
  const dir = join(root, name, 'seed')
  await mkdir(dir, { recursive: true })
  const data = randomBytes(SIZE)
  await writeFile(join(dir, `${name}.bin`), data)
  const announce = `${server.url}/announce`
  const { torrent } = await createTorrent([{ path: [`${name}.bin`], length: data.length, async *stream() { yield data } }], { pieceLength: 65536, announce: [[announce]] })
  const torrentPath = join(root, name, `${name}.torrent`)
  await writeFile(torrentPath, torrent)
  return { dir, data, torrentPath, announce }
}

interface Classic {
  name: string
  seed: (torrent: string, dir: string, port: number) => Proc
  download: (torrent: string, dir: string, port: number) => Proc
}

const clients: Classic[] = [
  {
    name: 'aria2c',
    seed: (torrent, dir, port) => aria2c({ torrent, dir, port, seed: true }),
    download: (torrent, dir, port) => aria2c({ torrent, dir, port, seed: false }),
  },
  {
    name: 'libtorrent',
    seed: (torrent, dir, port) => libtorrentPeer({ mode: 'seed', torrent, dir, port }),
    download: (torrent, dir, port) => libtorrentPeer({ mode: 'download', torrent, dir, port }),
  },
]

describe.each(clients)('$name and the Node peer', (c) => {
  it(`${c.name} seeds; cli download gets the file over TCP`, async () => {
    const f = await fixture(`${c.name}-seeds`)
    track(c.seed(f.torrentPath, f.dir, await freePort()))
    const out = join(root, `${c.name}-seeds`, 'out')
    const dl = track(cli('download', f.torrentPath, '-o', out, '--json', '--port', '0', '--no-webrtc'))
    const code = await Promise.race([dl.exited, new Promise<number>((r) => setTimeout(() => r(-1), 100_000))])
    expect(code, dl.output).toBe(0)
    const done = dl.json.find((l) => l['type'] === 'done')
    expect(done, dl.output).toBeDefined()
    const progress = dl.json.filter((l) => l['type'] === 'progress').at(-1) as { peers: { tcp: number }; progress: number }
    expect(progress.progress).toBe(1)
    expect((await readFile(join(out, `${c.name}-seeds.bin`))).equals(f.data)).toBe(true)
  }, 120_000)

  it(`cli seed seeds; ${c.name} gets the file; Ctrl-C announces stopped`, async () => {
    const f = await fixture(`${c.name}-leeches`)
    const torrentOut = join(root, `${c.name}-leeches`, 'made.torrent')
    // As `npm run cli` runs it (bin/swarmdrop: the esbuild bundle under plain node), Ctrl-C included.
    const seed = track(bundledCli('seed', join(f.dir, `${c.name}-leeches.bin`), '--tracker', f.announce, '--torrent-out', torrentOut, '--json', '--port', '0', '--no-webrtc'))
    const seeding = await seed.waitFor((l) => l['type'] === 'seeding')
    // Our tracker serves the web app: the seed's link is a share link to it.
    expect(seeding['link']).toMatch(new RegExp(`^${server.url}/#magnet:\\?xt=urn:btih:[0-9a-f]{40}`))
    const out = join(root, `${c.name}-leeches`, 'out')
    await mkdir(out, { recursive: true })
    const dl = track(c.download(torrentOut, out, await freePort()))
    const code = await Promise.race([dl.exited, new Promise<number>((r) => setTimeout(() => r(-1), 100_000))])
    expect(code, dl.output).toBe(0)
    expect((await readFile(join(out, `${c.name}-leeches.bin`))).equals(f.data)).toBe(true)
    const uploaded = await seed.waitFor((l) => l['type'] === 'progress' && (l['uploaded'] as number) >= SIZE, 20_000)
    expect(uploaded['uploaded']).toBeGreaterThanOrEqual(SIZE)

    const port = seeding['port'] as number
    const infoHash = Buffer.from(seeding['infoHash'] as string, 'hex')
    const ask = () =>
      httpAnnounce(f.announce, { infoHash, peerId: randomBytes(20), port: 1, uploaded: 0, downloaded: 0, left: 1, numwant: 50, key: 1 }, AbortSignal.timeout(10_000))
    expect((await ask()).peers).toContainEqual({ ip: '127.0.0.1', port })
    seed.child.kill('SIGINT')
    expect(await seed.exited, seed.output).toBe(0)
    expect((await ask()).peers).not.toContainEqual({ ip: '127.0.0.1', port })
  }, 120_000)
})
