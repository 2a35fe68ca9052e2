// Local faults stop one torrent with a clear error and leave the others running: a full disk (writes
// to /dev/full) while downloading, a data file deleted while seeding. And the CLI reports such a fault
// as one line and exit code 1.
import { mkdir, mkdtemp, readFile, rm, symlink, unlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { makeData } from '../shared/engine/test-support/make-torrent.ts'
import { createTorrent, parseTorrent, type Metainfo } from '../shared/metainfo/index.ts'
import { cli } from './interop/processes.ts'
import { NodePeer } from './node-peer.ts'
import type { NodeTorrent } from './node-torrent.ts'

let root: string
const peers: NodePeer[] = []
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'swarmdrop-node-peer-faults-'))
})
afterEach(async () => {
  await Promise.all(peers.splice(0).map((p) => p.stop()))
})
afterAll(async () => {
  await rm(root, { recursive: true, force: true })
})

async function torrentOf(name: string, data: Uint8Array): Promise<{ meta: Metainfo; bytes: Uint8Array }> {
  const { torrent } = await createTorrent([{ path: [name], length: data.length, async *stream() { yield data } }], { pieceLength: 32768, creationDate: null })
  return { meta: await parseTorrent(torrent), bytes: torrent }
}

async function start(): Promise<NodePeer> {
  const p = await NodePeer.start({ port: 0, host: '127.0.0.1', webrtc: false })
  peers.push(p)
  return p
}

function failure(t: NodeTorrent): Promise<string> {
  return new Promise((resolve) => (t.state === 'failed' ? resolve(t.error!) : t.on((e) => e.type === 'failed' && resolve(e.message))))
}

describe('a fault stops that torrent only', () => {
  it('a full disk fails one download with "disk full"; the other download of the same peer completes', async () => {
    const a = makeData(500_000, 1)
    const b = makeData(400_000, 2)
    const ta = await torrentOf('a.bin', a)
    const tb = await torrentOf('b.bin', b)
    const seedDir = join(root, 'seed1')
    await mkdir(seedDir, { recursive: true })
    await writeFile(join(seedDir, 'a.bin'), a)
    await writeFile(join(seedDir, 'b.bin'), b)
    const seeder = await start()
    await seeder.add({ source: { kind: 'torrent', metainfo: ta.meta, bytes: ta.bytes }, dir: seedDir, mode: 'seed', resumeFile: null })
    await seeder.add({ source: { kind: 'torrent', metainfo: tb.meta, bytes: tb.bytes }, dir: seedDir, mode: 'seed', resumeFile: null })

    const out = join(root, 'out1')
    await mkdir(out, { recursive: true })
    await symlink('/dev/full', join(out, 'a.bin'))
    const leecher = await start()
    const la = await leecher.add({ source: { kind: 'torrent', metainfo: ta.meta, bytes: ta.bytes }, dir: out, mode: 'download', resumeFile: null })
    const lb = await leecher.add({ source: { kind: 'torrent', metainfo: tb.meta, bytes: tb.bytes }, dir: out, mode: 'download', resumeFile: null })
    const bDone = new Promise<void>((r) => lb.on((e) => e.type === 'done' && r()))
    la.dialer.add([{ ip: '127.0.0.1', port: seeder.port }])
    lb.dialer.add([{ ip: '127.0.0.1', port: seeder.port }])
    expect(await failure(la)).toMatch(/^disk full writing .*a\.bin$/)
    await bDone
    expect(la.state).toBe('failed')
    expect(lb.state).toBe('seeding')
    expect((await readFile(join(out, 'b.bin'))).equals(Buffer.from(b))).toBe(true)
    expect(leecher.get(lb.infoHashHex)).toBe(lb)
  })

  it('a data file deleted while seeding fails that seed with "vanished"; another seed goes on serving', async () => {
    const a = makeData(300_000, 3)
    const b = makeData(300_000, 4)
    const ta = await torrentOf('gone.bin', a)
    const tb = await torrentOf('kept.bin', b)
    const seedDir = join(root, 'seed2')
    await mkdir(seedDir, { recursive: true })
    await writeFile(join(seedDir, 'gone.bin'), a)
    await writeFile(join(seedDir, 'kept.bin'), b)
    const seeder = await start()
    const sa = await seeder.add({ source: { kind: 'torrent', metainfo: ta.meta, bytes: ta.bytes }, dir: seedDir, mode: 'seed', resumeFile: null, fileWatchIntervalMs: 100 })
    await seeder.add({ source: { kind: 'torrent', metainfo: tb.meta, bytes: tb.bytes }, dir: seedDir, mode: 'seed', resumeFile: null, fileWatchIntervalMs: 100 })
    await sa.store!.read(0, 0, 16) // gone.bin is open: the deletion is noticed by the watch
    await unlink(join(seedDir, 'gone.bin'))
    expect(await failure(sa)).toMatch(/data file vanished: .*gone\.bin/)

    const leecher = await start()
    const lb = await leecher.add({ source: { kind: 'torrent', metainfo: tb.meta, bytes: tb.bytes }, dir: join(root, 'out2'), mode: 'download', resumeFile: null })
    const done = new Promise<void>((r) => lb.on((e) => e.type === 'done' && r()))
    lb.dialer.add([{ ip: '127.0.0.1', port: seeder.port }])
    await done
    expect((await readFile(join(root, 'out2', 'kept.bin'))).equals(Buffer.from(b))).toBe(true)
  })
})

describe('the CLI on a fault', () => {
  it('download into a full disk: exit 1, one line on stderr (a "failed" line with --json)', async () => {
    const data = makeData(200_000, 5)
    const t = await torrentOf('full.bin', data)
    const seedDir = join(root, 'seed3')
    await mkdir(seedDir, { recursive: true })
    await writeFile(join(seedDir, 'full.bin'), data)
    const seeder = await start()
    await seeder.add({ source: { kind: 'torrent', metainfo: t.meta, bytes: t.bytes }, dir: seedDir, mode: 'seed', resumeFile: null })
    // No tracker: once the CLI listens, the seeder dials it.
    const out = join(root, 'out3')
    await mkdir(out, { recursive: true })
    await symlink('/dev/full', join(out, 'full.bin'))
    const torrentPath = join(root, 'full.torrent')
    await writeFile(torrentPath, t.bytes)
    const run = cli('download', torrentPath, '-o', out, '--json', '--port', '0', '--no-webrtc')
    const started = await run.waitFor((l) => l['type'] === 'downloading')
    seeder.get(t.meta.infoHashHex)!.dialer.add([{ ip: '127.0.0.1', port: started['port'] as number }])
    expect(await run.exited).toBe(1)
    expect(run.json.find((l) => l['type'] === 'failed')).toMatchObject({ message: expect.stringMatching(/^disk full writing .*full\.bin$/) })

    const plain = cli('download', torrentPath, '-o', out, '--port', '0', '--no-webrtc')
    const line = await waitForLine(plain, /listening|downloading/)
    seeder.get(t.meta.infoHashHex)!.dialer.add([{ ip: '127.0.0.1', port: Number(/port (\d+)/.exec(line)![1]) }])
    expect(await plain.exited).toBe(1)
    const errors = plain.output.split('\n').filter((l) => l.startsWith('swarmdrop: '))
    expect(errors).toEqual([expect.stringMatching(/^swarmdrop: disk full writing .*full\.bin$/)])
  }, 60_000)
})

async function waitForLine(p: ReturnType<typeof cli>, re: RegExp): Promise<string> {
  for (let i = 0; i < 600; i++) {
    const line = p.output.split('\n').find((l) => re.test(l))
    if (line) return line
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`no line ${re}:\n${p.output}`)
}
