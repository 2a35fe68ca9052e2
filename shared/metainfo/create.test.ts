import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createTorrent, parseTorrent, V2PieceMap } from './index.ts'
import { pieceRoot } from '../merkle/index.ts'
import { sha256 } from '../hash.ts'
import type { CreateInput } from './index.ts'
import { MetainfoError } from '../errors.ts'
import { toBinaryString } from '../bytes.ts'
import { nodeSha1Hex } from './test-support/fixtures.ts'
import { chunkedInput, fileInput, MKTORRENT, requireTool, run, TRANSMISSION_CREATE, TRANSMISSION_SHOW, treeInputs, writeRandomTree } from './test-support/tools.ts'

let tmp = ''
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'swarmdrop-create-'))
})
afterAll(() => {
  if (tmp !== '') rmSync(tmp, { recursive: true, force: true })
})

/** Run mktorrent and parse what it wrote with our parser. */
async function mktorrent(target: string, log2PieceLength: number, extra: string[] = []) {
  requireTool(MKTORRENT, 'mktorrent')
  const out = join(tmp, `mk-${Math.random().toString(36).slice(2)}.torrent`)
  run(MKTORRENT, ['-l', String(log2PieceLength), '-a', 'http://tracker.example/announce', '-o', out, ...extra, target])
  return parseTorrent(new Uint8Array(readFileSync(out)))
}

describe('createTorrent matches Debian mktorrent byte for byte in info', () => {
  it('fails, never skips, when a tool is missing, saying what to install', () => {
    expect(() => requireTool('/usr/bin/no-such-tool-here', 'no-such-package')).toThrow(/apt-get install -y no-such-package/)
  })

  it('for a random single file', async () => {
    const file = join(tmp, 'single.bin')
    writeFileSync(file, randomBytes(300_001))
    const theirs = await mktorrent(file, 15)
    const ours = await createTorrent([fileInput(file, ['single.bin'])], { pieceLength: 2 ** 15, announce: ['http://tracker.example/announce'] })
    expect(ours.metainfo.infoHashHex).toBe(theirs.infoHashHex)
    expect(toBinaryString(ours.metainfo.infoBytes)).toBe(toBinaryString(theirs.infoBytes))
    expect(ours.metainfo.pieceCount).toBe(10)
    expect(ours.metainfo.files).toEqual([{ path: ['single.bin'], length: 300_001, offset: 0, padding: false }])
  })

  it('for a nested directory (mktorrent order: full paths compared as bytes, empty files kept)', async () => {
    const root = join(tmp, 'tree')
    writeRandomTree(root, {
      'a.txt': 1,
      'a/x.bin': 100_000, // "a.txt" < "a/x.bin" as strings, though "a" < "a.txt" as segments
      'a/deeper/y.bin': 40_000,
      'B/upper.bin': 5_000,
      'é/ünïcode.txt': 77,
      'empty.txt': 0,
      'z-last.bin': 65_536,
    })
    const theirs = await mktorrent(root, 15) // mktorrent accepts 2^15..2^28
    // Inputs in a shuffled order, with the folder as first segment: createTorrent sorts and strips it.
    const inputs = treeInputs(root, ['tree']).reverse()
    const ours = await createTorrent(inputs, { pieceLength: 2 ** 15 })
    expect(ours.metainfo.name).toBe('tree')
    expect(ours.metainfo.infoHashHex).toBe(theirs.infoHashHex)
    expect(toBinaryString(ours.metainfo.infoBytes)).toBe(toBinaryString(theirs.infoBytes))
    expect(ours.metainfo.files.map((f) => f.path.join('/'))).toEqual(['B/upper.bin', 'a.txt', 'a/deeper/y.bin', 'a/x.bin', 'empty.txt', 'z-last.bin', 'é/ünïcode.txt'])
  })

  it('for a directory holding one file (a folder, not a single-file torrent)', async () => {
    const root = join(tmp, 'solo')
    writeRandomTree(root, { 'only.bin': 70_000 })
    const theirs = await mktorrent(root, 15)
    const ours = await createTorrent(treeInputs(root, []), { name: 'solo', pieceLength: 2 ** 15 })
    expect(ours.metainfo.files).toEqual([{ path: ['only.bin'], length: 70_000, offset: 0, padding: false }])
    expect(ours.metainfo.infoHashHex).toBe(theirs.infoHashHex)
  })

  it('with the private flag and a larger piece length', async () => {
    const root = join(tmp, 'priv')
    writeRandomTree(root, { 'one.bin': 700_000, 'sub/two.bin': 333_333 })
    const theirs = await mktorrent(root, 18, ['-p'])
    expect(theirs.private).toBe(true)
    const ours = await createTorrent(treeInputs(root, []), { name: 'priv', pieceLength: 2 ** 18, private: true })
    expect(ours.metainfo.infoHashHex).toBe(theirs.infoHashHex)
    expect(ours.metainfo.private).toBe(true)
  })
})

describe('createTorrent', () => {
  it('hashes the same whatever the chunk sizes (pieces cross chunk and file boundaries)', async () => {
    const a = randomBytes(50_000)
    const b = randomBytes(20_000)
    const c = randomBytes(3)
    const make = (max: number, seed: number): CreateInput[] => [
      chunkedInput(['a'], a, max, seed),
      chunkedInput(['b'], b, max, seed + 1),
      chunkedInput(['c'], c, max, seed + 2),
    ]
    const opts = { name: 'x', pieceLength: 16384, creationDate: null }
    const reference = await createTorrent(make(1_000_000, 1), opts)
    for (const [max, seed] of [[1, 3], [7, 5], [16_383, 9], [16_385, 11], [40_000, 13]] as const) {
      const again = await createTorrent(make(max, seed), opts)
      expect(again.metainfo.infoHashHex).toBe(reference.metainfo.infoHashHex)
    }
    // And each piece hash is the SHA-1 of that slice of the concatenated files.
    const all = Buffer.concat([a, b, c])
    const m = reference.metainfo
    for (let i = 0; i < m.pieceCount; i++) {
      const expected = nodeSha1Hex(all.subarray(i * 16384, (i + 1) * 16384))
      expect(Buffer.from(m.pieceHashes.subarray(i * 20, i * 20 + 20)).toString('hex')).toBe(expected)
    }
  })

  it('writes the top-level fields and parses back what it wrote', async () => {
    const { torrent, metainfo } = await createTorrent([chunkedInput(['f.txt'], randomBytes(1000), 4096)], {
      announce: [['wss://a', 'wss://b'], ['wss://c']],
      urlList: ['https://seed.example/'],
      comment: 'hello é',
      createdBy: 'swarmdrop test',
      creationDate: 1_700_000_000,
    })
    expect(metainfo.announce).toEqual([['wss://a', 'wss://b'], ['wss://c']])
    expect(metainfo.urlList).toEqual(['https://seed.example/'])
    expect(metainfo.comment).toBe('hello é')
    expect(metainfo.createdBy).toBe('swarmdrop test')
    expect(metainfo.creationDate).toBe(1_700_000_000)
    expect(metainfo.pieceLength).toBe(16384)
    expect((await parseTorrent(torrent)).infoHashHex).toBe(metainfo.infoHashHex)
    expect(toBinaryString(torrent).startsWith('d8:announce7:wss://a13:announce-listll7:wss://a7:wss://bel7:wss://cee7:comment')).toBe(true)
  })

  it('reports progress per piece, ending at the total', async () => {
    const seen: number[] = []
    await createTorrent([chunkedInput(['f'], randomBytes(40_000), 999)], { pieceLength: 16384, onProgress: (n) => seen.push(n) })
    expect(seen).toEqual([16384, 32768, 40000])
  })

  it.each([
    ['no inputs', [], {}, /no files/],
    ['only empty files', [chunkedInput(['a'], new Uint8Array(0), 1)], {}, /all empty/],
    ['an unsafe path', [chunkedInput(['..'], new Uint8Array(1), 1)], {}, /unsafe path: a "\.\." segment/],
    ['an unsafe nested path', [chunkedInput(['d', 'a/b'], new Uint8Array(1), 1)], { name: 'n' }, /file "d\/a\/b" has an unsafe path/],
    ['an unsafe name', [chunkedInput(['a'], new Uint8Array(1), 1)], { name: 'x/y' }, /torrent name/],
    ['a duplicate path', [chunkedInput(['d', 'a'], new Uint8Array(1), 1), chunkedInput(['d', 'a'], new Uint8Array(1), 1)], {}, /given twice/],
    ['several files without a name or common folder', [chunkedInput(['a'], new Uint8Array(1), 1), chunkedInput(['b'], new Uint8Array(1), 1)], {}, /need a name/],
    ['a piece length that is not a power of two', [chunkedInput(['a'], new Uint8Array(1), 1)], { pieceLength: 20_000 }, /not a power of two/],
    ['a piece length below 1 KiB', [chunkedInput(['a'], new Uint8Array(1), 1)], { pieceLength: 512 }, /not a power of two in 1024/],
  ] as const)('refuses %s', async (_what, inputs, options, message) => {
    await expect(createTorrent([...inputs], options)).rejects.toThrow(message)
    await expect(createTorrent([...inputs], options)).rejects.toThrow(MetainfoError)
  })

  it('refuses a file whose stream gives more or fewer bytes than its length', async () => {
    const short = { ...chunkedInput(['a'], new Uint8Array(10), 3), length: 11 }
    await expect(createTorrent([short])).rejects.toThrow(/gave 10 bytes, not its stated 11/)
    const long = { ...chunkedInput(['a'], new Uint8Array(10), 3), length: 9 }
    await expect(createTorrent([long])).rejects.toThrow(/longer than its stated 9 bytes/)
  })
})

describe('torrents made by other tools', () => {
  it('parses a transmission-create torrent to the hash transmission-show reports', async () => {
    requireTool(TRANSMISSION_CREATE, 'transmission-cli')
    const root = join(tmp, 'tr')
    writeRandomTree(root, { 'x.bin': 123_456, 'd/y.bin': 7 })
    const out = join(tmp, 'tr.torrent')
    run(TRANSMISSION_CREATE, ['-o', out, '-t', 'udp://tracker.example:80', root])
    const shown = run(TRANSMISSION_SHOW, [out])
    const hash = /Hash(?: v1)?: ([0-9a-f]{40})/.exec(shown)?.[1]
    expect(hash).toBeDefined()
    const m = await parseTorrent(new Uint8Array(readFileSync(out)))
    expect(m.infoHashHex).toBe(hash)
    expect(m.announce).toEqual([['udp://tracker.example:80']])
    expect(m.files.map((f) => [f.path.join('/'), f.length])).toEqual([
      ['d/y.bin', 7],
      ['x.bin', 123_456],
    ])
    // Same content, same piece length: our creation agrees with transmission's too.
    const ours = await createTorrent(treeInputs(root, []), { name: 'tr', pieceLength: m.pieceLength })
    expect(ours.metainfo.pieceHashes).toEqual(m.pieceHashes)
  })
})

describe('hashContent: the caller hashes the plan (the browser worker pool does)', () => {
  const inputs = () => [
    { path: ['dir', 'b.bin'], length: 70_000, bytes: randomBytes(70_000), stream: async function* (this: { bytes: Uint8Array }) { yield this.bytes } },
    { path: ['dir', 'a.bin'], length: 5_000, bytes: randomBytes(5_000), stream: async function* (this: { bytes: Uint8Array }) { yield this.bytes } },
  ]

  it('gets the files in torrent order with their extra fields and gives the same info hash as streaming', async () => {
    const files = inputs()
    const streamed = await createTorrent(files, { pieceLength: 16384, creationDate: null })
    let seen: string[] = []
    const custom = await createTorrent(files, {
      pieceLength: 16384,
      creationDate: null,
      hashContent: async (plan) => {
        seen = plan.files.map((f) => `${f.path.join('/')}:${f.bytes.length}`)
        expect(plan.pieceCount).toBe(Math.ceil(75_000 / 16384))
        const whole = Buffer.concat(plan.files.map((f) => f.bytes))
        const pieces = Buffer.concat(Array.from({ length: plan.pieceCount }, (_, i) => Buffer.from(nodeSha1Hex(whole.subarray(i * 16384, (i + 1) * 16384)), 'hex')))
        return { pieces: new Uint8Array(pieces) }
      },
    })
    expect(seen).toEqual(['a.bin:5000', 'b.bin:70000'])
    expect(custom.metainfo.infoHashHex).toBe(streamed.metainfo.infoHashHex)
  })

  it('refuses hashes of the wrong count', async () => {
    await expect(createTorrent(inputs(), { pieceLength: 16384, hashContent: async () => ({ pieces: new Uint8Array(20) }) })).rejects.toThrow(MetainfoError)
  })
})

describe('v2 and hybrid creation (BEP 52)', () => {
  const a = randomBytes(70_000)
  const b = randomBytes(20_000)
  const c = randomBytes(3)
  const make = (max: number, seed: number): CreateInput[] => [chunkedInput(['x', 'a'], a, max, seed), chunkedInput(['x', 'b'], b, max, seed + 1), chunkedInput(['x', 'c'], c, max, seed + 2)]

  it.each([2, 'hybrid'] as const)('%s: hashes the same whatever the chunk sizes', async (metaVersion) => {
    const opts = { pieceLength: 32768, creationDate: null, metaVersion }
    const reference = await createTorrent(make(1_000_000, 1), opts)
    expect(reference.metainfo.metaVersion).toBe(metaVersion)
    for (const [max, seed] of [[1, 3], [16_383, 9], [40_000, 13]] as const) {
      expect((await createTorrent(make(max, seed), opts)).metainfo.infoHashHex).toBe(reference.metainfo.infoHashHex)
    }
  })

  it('a caller-supplied hashContent, piece by piece from the padded layout, gives the same torrent', async () => {
    const opts = { name: 'x', pieceLength: 16384, creationDate: null, metaVersion: 'hybrid' as const }
    const streamed = await createTorrent(make(5000, 1), opts)
    const custom = await createTorrent(make(5000, 1), {
      ...opts,
      // What a worker pool does: each piece alone, from the files and the zeros of the padding.
      hashContent: async (plan) => {
        const data = new Map([['x/a', a], ['x/b', b], ['x/c', c]])
        const whole = Buffer.concat(plan.layout.map((e) => (e.padding ? new Uint8Array(e.length) : data.get(e.path.join('/'))!)))
        const map = new V2PieceMap(plan.layout, plan.pieceLength)
        const pieces = new Uint8Array(plan.pieceCount * 20)
        const pieceRoots = new Uint8Array(plan.pieceCount * 32)
        for (let i = 0; i < plan.pieceCount; i++) {
          const at = i * plan.pieceLength
          const where = map.piece(i)
          pieceRoots.set(await pieceRoot(whole.subarray(at, at + where.dataLength), where.leafWidth, sha256), i * 32)
          pieces.set(Buffer.from(nodeSha1Hex(whole.subarray(at, at + plan.pieceLength)), 'hex'), i * 20)
        }
        return { pieces, pieceRoots }
      },
    })
    expect(toBinaryString(custom.torrent)).toBe(toBinaryString(streamed.torrent))
  })

  it('reports progress per piece, ending at the bytes of the files (padding not counted)', async () => {
    const seen: number[] = []
    await createTorrent(make(999, 1), { name: 'x', pieceLength: 65536, metaVersion: 2, onProgress: (n) => seen.push(n) })
    expect(seen).toEqual([65536, 70_000, 90_000, 90_003])
  })

  it.each([
    ['a piece length below 16 KiB', { pieceLength: 8192 }, /16 KiB or more/],
    ['no piece roots from a custom hasher', { hashContent: async () => ({ pieces: new Uint8Array(0) }) }, /merkle root of every piece/],
    ['piece roots of the wrong count', { hashContent: async () => ({ pieceRoots: new Uint8Array(32) }) }, /1 piece roots for/],
  ] as const)('refuses %s', async (_what, extra, message) => {
    await expect(createTorrent(make(5000, 1), { name: 'x', metaVersion: 2, ...extra })).rejects.toThrow(message)
  })

  it('refuses a path that is both a file and a directory (a file tree cannot hold it)', async () => {
    const inputs = [chunkedInput(['d', 'a'], new Uint8Array(1), 1), chunkedInput(['d', 'a', 'b'], new Uint8Array(1), 1)]
    await expect(createTorrent(inputs, { metaVersion: 'hybrid' })).rejects.toThrow(/"a" is both a file and a directory/)
  })
})
