import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { execFile } from 'node:child_process'
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { libtorrentCreate, type LibtorrentView } from '../shared/metainfo/test-support/tools.ts'

const root = fileURLToPath(new URL('..', import.meta.url))
const fixtures = join(root, 'node_modules/webtorrent-fixtures/fixtures')

interface Run { code: number; stdout: string; stderr: string }
function cli(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'cli/main.ts', ...args], { cwd: root }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr })
    })
  })
}
function mktorrent(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile('mktorrent', args, (err, stdout, stderr) => resolve({ code: err ? 1 : 0, stdout, stderr }))
  })
}

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'swarmdrop-cli-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('cli inspect', () => {
  it('prints the parsed multi-file torrent as JSON', async () => {
    const r = await cli('inspect', join(fixtures, 'numbers.torrent'), '--json')
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    const s = JSON.parse(r.stdout)
    expect(s.infoHash).toBe('89d97c2261a21b040cf11caa661a3ba7233bb7e6')
    expect(s.name).toBe('numbers')
    expect(s.files.map((f: { path: string }) => f.path)).toEqual(['1.txt', '2.txt', '3.txt'])
    expect(s.files.reduce((a: number, f: { length: number }) => a + f.length, 0)).toBe(s.length)
    expect(s.pieceCount).toBe(Math.ceil(s.length / s.pieceLength))
    expect(s.announce).toEqual([])
    expect(s.private).toBe(false)
  })

  it('reports private and url-list', async () => {
    const s = JSON.parse((await cli('inspect', join(fixtures, 'bunny.torrent'), '--json')).stdout)
    expect(s.infoHash).toBe('af8f10f30bf9aefecf3686922bfa0d5bd290a395')
    expect(s.private).toBe(true)
    expect(s.urlList.length).toBeGreaterThan(0)
  })

  it('reads a magnet link', async () => {
    const r = await cli('inspect', 'magnet:?xt=urn:btih:d2474e86c95b19b8bcfdb92bc12c9d44667cfa36&dn=Leaves&tr=wss%3A%2F%2Ftracker.example%2Fannounce', '--json')
    expect(r.code).toBe(0)
    const s = JSON.parse(r.stdout)
    expect(s).toMatchObject({ infoHash: 'd2474e86c95b19b8bcfdb92bc12c9d44667cfa36', name: 'Leaves', announce: [['wss://tracker.example/announce']] })
    expect([s.metaVersion, s.infoHashV2]).toEqual([null, null]) // a v1 hash alone does not tell v1 from hybrid
  })

  it('rejects a corrupt torrent with one clear line and no stack trace', async () => {
    const r = await cli('inspect', join(fixtures, 'corrupt.torrent'))
    expect(r.code).toBe(1)
    expect(r.stdout).toBe('')
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stderr).toMatch(/^swarmdrop: .*name/)
  })

  it('rejects garbage, a missing file and a bad magnet with exit 1 and one line', async () => {
    const garbage = join(dir, 'garbage.torrent')
    await writeFile(garbage, 'd4:infoi3e')
    for (const arg of [garbage, join(dir, 'missing.torrent'), 'magnet:?xt=urn:btih:nothex']) {
      const r = await cli('inspect', arg)
      expect(r.code, arg).toBe(1)
      expect(r.stderr.trim().split('\n'), arg).toHaveLength(1)
      expect(r.stderr, arg).not.toMatch(/\n\s+at /)
    }
  })

  it('exits 2 on a usage error', async () => {
    expect((await cli('frobnicate')).code).toBe(2)
    expect((await cli('inspect')).code).toBe(2)
  })
})

describe('cli create', () => {
  it('writes a torrent whose info hash matches mktorrent for a nested directory', async () => {
    expect(existsSync('/usr/bin/mktorrent'), 'mktorrent is required: apt-get install mktorrent').toBe(true)
    const tree = join(dir, 'album')
    await mkdir(join(tree, 'disc 1', 'extras'), { recursive: true })
    await writeFile(join(tree, 'cover.jpg'), randomBytes(70_001))
    await writeFile(join(tree, 'disc 1', 'track01.flac'), randomBytes(200_000))
    await writeFile(join(tree, 'disc 1', 'extras', 'notes.txt'), randomBytes(5))
    const ours = join(dir, 'ours.torrent')
    const theirs = join(dir, 'theirs.torrent')
    const made = await cli('create', tree, '--piece-length', '32768', '--announce', 'wss://tracker.example/announce', '-o', ours)
    expect(made.stderr).toBe('')
    expect(made.code).toBe(0)
    expect((await mktorrent('-l', '15', '-a', 'wss://tracker.example/announce', '-o', theirs, tree)).code).toBe(0)
    const a = JSON.parse((await cli('inspect', ours, '--json')).stdout)
    const b = JSON.parse((await cli('inspect', theirs, '--json')).stdout)
    expect(a.infoHash).toBe(b.infoHash)
    expect(made.stdout).toContain(a.infoHash)
    expect(a.files).toEqual(b.files)
    expect(a.announce).toEqual([['wss://tracker.example/announce']])
  })

  it('--v2 and --hybrid make what libtorrent makes of the same files; inspect reports the version and both hashes', async () => {
    const tree = join(dir, 'album')
    const view = (mode: string): LibtorrentView => libtorrentCreate(tree, mode as 'v2', 32768, join(dir, `lt-${mode}.torrent`))
    for (const [flag, mode, version] of [['--v2', 'v2', 2], ['--hybrid', 'hybrid', 'hybrid']] as const) {
      const out = join(dir, `ours-${mode}.torrent`)
      const made = await cli('create', tree, flag, '--piece-length', '32768', '-o', out)
      expect(made.stderr).toBe('')
      const theirs = view(mode)
      const s = JSON.parse((await cli('inspect', out, '--json')).stdout)
      expect(s.metaVersion).toBe(version)
      expect(s.infoHashV2).toBe(theirs.v2)
      expect(s.infoHash).toBe(theirs.v1) // null for v2-only
      expect(made.stdout).toContain(`info hash v2: ${theirs.v2}`)
      expect(made.stdout).toContain(`xt=urn:btmh:1220${theirs.v2}`)
      if (theirs.v1 !== null) expect(made.stdout).toContain(`xt=urn:btih:${theirs.v1}`)
      // Padding files are not files a person has.
      expect(s.files.map((f: { path: string }) => f.path).sort()).toEqual(['cover.jpg', 'disc 1/extras/notes.txt', 'disc 1/track01.flac'])
    }
    expect((await cli('create', tree, '--v2', '--hybrid')).code).toBe(2)
    const v1 = JSON.parse((await cli('inspect', join(dir, 'ours.torrent'), '--json')).stdout)
    expect([v1.metaVersion, v1.infoHashV2]).toEqual([1, null])
  })

  it('inspects v2 and hybrid magnets: what the hashes tell', async () => {
    const v2 = 'ab'.repeat(32)
    const only = JSON.parse((await cli('inspect', `magnet:?xt=urn:btmh:1220${v2}`, '--json')).stdout)
    expect(only).toMatchObject({ metaVersion: 2, infoHash: null, infoHashV2: v2 })
    const both = JSON.parse((await cli('inspect', `magnet:?xt=urn:btih:${'cd'.repeat(20)}&xt=urn:btmh:1220${v2}`, '--json')).stdout)
    expect(both).toMatchObject({ metaVersion: 'hybrid', infoHash: 'cd'.repeat(20), infoHashV2: v2 })
  })

  it('refuses a bad piece length and a missing path', async () => {
    expect((await cli('create', dir, '--piece-length', 'lots')).code).toBe(2)
    const r = await cli('create', join(dir, 'nope'))
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/^swarmdrop: no such file or directory/)
  })
})

describe('cli seed and download on bad input', () => {
  it('say what is wrong in one line: exit 1 for bad input, 2 for a bad command line', async () => {
    const garbage = join(dir, 'not-a.torrent')
    await writeFile(garbage, 'd4:infoi3e')
    const nodata = join(dir, 'nodata')
    await mkdir(nodata, { recursive: true })
    const made = join(dir, 'nodata', 'elsewhere.torrent')
    await writeFile(join(dir, 'elsewhere.bin'), randomBytes(40_000))
    expect((await cli('create', join(dir, 'elsewhere.bin'), '-o', made)).code).toBe(0)
    const peer = ['--port', '0', '--no-webrtc']
    const runs = await Promise.all([
      cli('seed', join(dir, 'no-such-file.bin'), ...peer),
      cli('seed', made, ...peer), // its data is not beside it
      cli('download', garbage, '-o', join(dir, 'out'), ...peer),
      cli('download', 'magnet:?xt=urn:btih:nothex', ...peer),
      cli('seed', made, '--port', '70000'),
      cli('download'),
      cli('seed', join(dir, 'elsewhere.bin'), '--v2', '--hybrid', ...peer),
      cli('seed', made, '--hybrid', ...peer),
    ])
    const [missing, noData, badTorrent, badMagnet, badPort, noArg, bothVersions, versionOfTorrent] = runs
    for (const r of [missing, noData, badTorrent, badMagnet]) {
      expect(r!.code, r!.stderr).toBe(1)
      expect(r!.stderr.trim().split('\n'), r!.stderr).toHaveLength(1)
      expect(r!.stderr).not.toMatch(/\n\s+at /)
    }
    expect(missing!.stderr).toMatch(/^swarmdrop: no such file or directory: .*no-such-file\.bin/)
    expect(noData!.stderr).toMatch(/^swarmdrop: none of the data of elsewhere\.bin is in /)
    expect(badTorrent!.stderr).toMatch(/^swarmdrop: .*not-a\.torrent: not a valid \.torrent: /)
    expect(badPort!.code).toBe(2)
    expect(badPort!.stderr).toMatch(/--port must be 0\.\.65535/)
    expect(noArg!.code).toBe(2)
    expect(bothVersions!.code).toBe(2)
    expect(bothVersions!.stderr).toMatch(/--v2 and --hybrid exclude each other/)
    expect(versionOfTorrent!.code).toBe(2)
    expect(versionOfTorrent!.stderr).toMatch(/--v2 and --hybrid are for making a torrent/)
  }, 60_000)
})
