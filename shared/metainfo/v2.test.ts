import { describe, expect, it } from 'vitest'
import { createHash } from 'node:crypto'
import { parseInfo, parseTorrent, metainfoLimits, V2PieceMap } from './index.ts'
import { pieceRoot } from '../merkle/index.ts'
import { sha256 } from '../hash.ts'
import type { Metainfo } from './index.ts'
import { BencodeError, MetainfoError } from '../errors.ts'
import { fromBinaryString, toBinaryString, toHex } from '../bytes.ts'
import { encode } from '../bencode/index.ts'
import type { BEncodable } from '../bencode/index.ts'
import { makeData } from '../engine/test-support/make-torrent.ts'
import { merkleOf, v2Parts, v2Torrent } from './test-support/v2-builder.ts'
import { rejectsWith } from './test-support/fixtures.ts'
import type { MemFile } from './test-support/v2-builder.ts'

type Dict = Record<string, BEncodable | undefined>
const KiB = 1024
const sha256Hex = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex')
const sha1Hex = (b: Uint8Array): string => createHash('sha1').update(b).digest('hex')


const FILES: MemFile[] = [
  { path: ['dir', 'big.bin'], data: makeData(100_000, 1) }, // 4 pieces of 32 KiB: has a piece layer
  { path: ['dir', 'empty.txt'], data: new Uint8Array(0) },
  { path: ['one.bin'], data: makeData(5, 2) }, // below a piece: its root is its only hash
  { path: ['two.bin'], data: makeData(32 * KiB, 3) }, // exactly one piece: no layer either
]

describe('v2-only torrents (BEP 52)', () => {
  it('parses the file tree into piece-aligned files with libtorrent\'s implied padding', async () => {
    const parts = v2Parts(FILES, 32 * KiB, { name: 'root' })
    const m = await parseTorrent(v2Torrent(parts))
    expect(m.metaVersion).toBe(2)
    expect(m.name).toBe('root')
    expect(m.files.map((f) => [f.path.join('/'), f.length, f.offset, f.padding])).toEqual([
      ['dir/big.bin', 100_000, 0, false],
      ['.pad/31072', 31072, 100_000, true],
      ['dir/empty.txt', 0, 131072, false],
      ['one.bin', 5, 131072, false],
      ['.pad/32763', 32763, 131077, true],
      ['two.bin', 32768, 163840, false],
    ])
    expect(m.length).toBe(196608)
    expect(m.pieceCount).toBe(6)
    expect(m.pieceHashes.length).toBe(0)
    expect(toHex(m.files[0]!.piecesRoot!)).toBe(toHex(merkleOf(FILES[0]!.data, 32 * KiB).root))
    expect(toHex(m.files[3]!.piecesRoot!)).toBe(sha256Hex(FILES[2]!.data)) // one block: the root is its hash
    expect(m.files[2]!.piecesRoot).toBeUndefined()
    expect([...m.pieceLayers.keys()]).toEqual([toHex(m.files[0]!.piecesRoot!)])
  })

  it('has a SHA-256 info hash, truncated to 20 bytes as its swarm id, and no v1 hash', async () => {
    const m = await parseTorrent(v2Torrent(v2Parts(FILES, 32 * KiB, { name: 'root' })))
    const full = sha256Hex(m.infoBytes)
    expect(toHex(m.infoHashV2!)).toBe(full)
    expect(m.infoHashV1).toBeNull()
    expect(m.infoHashHex).toBe(full.slice(0, 40))
    expect(toHex(m.infoHash)).toBe(full.slice(0, 40))
  })

  it('a single-file v2 torrent is named by its tree key and padded at its end (libtorrent 2.0.8)', async () => {
    const m = await parseTorrent(v2Torrent(v2Parts([{ path: ['a.bin'], data: makeData(70_000, 4) }], 16 * KiB)))
    expect(m.files.map((f) => [f.path.join('/'), f.length, f.padding])).toEqual([
      ['a.bin', 70_000, false],
      ['.pad/11920', 11920, true],
    ])
    expect(m.pieceCount).toBe(5)
  })

  it('accepts a torrent without piece layers (they come from peers, as libtorrent allows)', async () => {
    const m = await parseTorrent(v2Torrent(v2Parts(FILES, 32 * KiB), null))
    expect(m.metaVersion).toBe(2)
    expect(m.pieceLayers.size).toBe(0)
  })

  it('V2PieceMap places every piece in its file, and its data hashes to the layer entry or root', async () => {
    const m = await parseTorrent(v2Torrent(v2Parts(FILES, 32 * KiB, { name: 'root' })))
    const map = new V2PieceMap(m.files, m.pieceLength)
    const expected = [
      [0, 0, 32768], [0, 1, 32768], [0, 2, 32768], [0, 3, 100_000 - 3 * 32768], // dir/big.bin
      [3, 0, 5], // one.bin (after big.bin's padding and the empty file)
      [5, 0, 32768], // two.bin
    ]
    expect(Array.from({ length: m.pieceCount }, (_, i) => map.piece(i)).map((p) => [p.file, p.pieceInFile, p.dataLength])).toEqual(expected)
    const dataOf = [FILES[0]!.data, , , FILES[2]!.data, , FILES[3]!.data]
    for (let i = 0; i < m.pieceCount; i++) {
      const p = map.piece(i)
      const file = m.files[p.file]!
      const data = dataOf[p.file]!.subarray(p.pieceInFile * m.pieceLength, p.pieceInFile * m.pieceLength + p.dataLength)
      const layer = m.pieceLayers.get(toHex(file.piecesRoot!))
      const want = layer ? layer.subarray(p.pieceInFile * 32, p.pieceInFile * 32 + 32) : file.piecesRoot!
      expect(toHex(await pieceRoot(data, p.leafWidth, sha256))).toBe(toHex(want))
    }
    expect(() => map.piece(m.pieceCount)).toThrow(RangeError)
  })

  it('parseInfo checks metadata against a v2 hash, full or truncated', async () => {
    const m = await parseTorrent(v2Torrent(v2Parts(FILES, 32 * KiB)))
    expect((await parseInfo(m.infoBytes, m.infoHashV2!)).infoHashHex).toBe(m.infoHashHex)
    expect((await parseInfo(m.infoBytes, m.infoHash)).metaVersion).toBe(2)
    const wrong = m.infoHashV2!.slice()
    wrong[31]! ^= 1
    await expect(parseInfo(m.infoBytes, wrong)).rejects.toThrow(/not the expected/)
    // The SHA-1 of a v2-only info dict names nothing.
    await expect(parseInfo(m.infoBytes, fromBinaryString(toBinaryString(Buffer.from(sha1Hex(m.infoBytes), 'hex'))))).rejects.toThrow(MetainfoError)
  })

  it('parseInfo does not let a v1 info dict answer to its SHA-256', async () => {
    const v1 = encode({ name: 'a', 'piece length': 16384, pieces: new Uint8Array(20), length: 10 })
    const digest = new Uint8Array(createHash('sha256').update(v1).digest())
    await expect(parseInfo(v1, digest)).rejects.toThrow(/not the expected/)
    await expect(parseInfo(v1, digest.subarray(0, 20))).rejects.toThrow(/not the expected/)
  })
})

describe('hybrid torrents (BEP 52 upgrade path)', () => {
  it('reads both halves: v1 and v2 hashes, padding files, pieces roots on the real files', async () => {
    const parts = v2Parts(FILES, 32 * KiB, { name: 'root', hybrid: true })
    const m = await parseTorrent(v2Torrent(parts))
    expect(m.metaVersion).toBe('hybrid')
    expect(toHex(m.infoHashV1!)).toBe(sha1Hex(m.infoBytes))
    expect(toHex(m.infoHashV2!)).toBe(sha256Hex(m.infoBytes))
    expect(m.infoHashHex).toBe(sha1Hex(m.infoBytes)) // the v1 swarm is the one every client can join
    expect(m.pieceHashes.length).toBe(20 * m.pieceCount)
    expect(m.files.map((f) => [f.path.join('/'), f.offset, f.padding, f.piecesRoot !== undefined])).toEqual([
      ['dir/big.bin', 0, false, true],
      ['.pad/31072', 100_000, true, false],
      ['dir/empty.txt', 131072, false, false],
      ['one.bin', 131072, false, true],
      ['.pad/32763', 131077, true, false],
      ['two.bin', 163840, false, true],
    ])
  })

  it('accepts a hybrid without padding after its last file (libtorrent 2.0.0-2.0.7)', async () => {
    const files = [FILES[0]!, FILES[2]!]
    const parts = v2Parts(files, 32 * KiB, { name: 'root', hybrid: true })
    const v1 = parts.info.files as Dict[]
    expect(v1.at(-1)!.attr).toBe('p')
    v1.pop()
    const all = Buffer.concat([files[0]!.data, new Uint8Array(31072), files[1]!.data])
    const pieces: Uint8Array[] = []
    for (let at = 0; at < all.length; at += 32 * KiB) pieces.push(createHash('sha1').update(all.subarray(at, at + 32 * KiB)).digest())
    parts.info.pieces = Buffer.concat(pieces)
    const m = await parseTorrent(v2Torrent(parts))
    expect(m.length).toBe(131077)
    expect(m.files.at(-1)!.path).toEqual(['one.bin'])
  })

  it('a single-file hybrid has no padding at all', async () => {
    const m = await parseTorrent(v2Torrent(v2Parts([{ path: ['a.bin'], data: makeData(70_000, 4) }], 16 * KiB, { hybrid: true })))
    expect(m.metaVersion).toBe('hybrid')
    expect(m.files).toHaveLength(1)
    expect(m.length).toBe(70_000)
  })
})

/** A valid v2 or hybrid torrent, altered by `change` (its info dict and piece layers). */
function broken(change: (info: Dict, layers: Map<string, BEncodable>) => void, hybrid = false): Uint8Array {
  const parts = v2Parts(FILES, 32 * KiB, { name: 'root', hybrid })
  const layers = new Map<string, BEncodable>(parts.layers)
  change(parts.info, layers)
  return v2Torrent(parts, layers)
}
const tree = (info: Dict): Dict => info['file tree'] as Dict
const props = (info: Dict, ...path: string[]): Dict => {
  let node = tree(info)
  for (const seg of path) node = node[seg] as Dict
  return node[''] as Dict
}
const bigRoot = (): string => toBinaryString(merkleOf(FILES[0]!.data, 32 * KiB).root)

describe('hostile v2 torrents are refused with a MetainfoError saying why', () => {
  it.each<[string, (info: Dict, layers: Map<string, BEncodable>) => void, RegExp]>([
    ['a piece layer that does not hash up to its root', (_i, l) => {
      const layer = (l.get(bigRoot()) as Uint8Array).slice()
      layer[0]! ^= 1
      l.set(bigRoot(), layer)
    }, /piece layer of file "dir\/big.bin" does not hash up to its pieces root/],
    ['a piece layer of the wrong length', (_i, l) => l.set(bigRoot(), new Uint8Array(32 * 3)), /has 96 bytes, not 4 hashes/],
    ['a piece layer that is not whole hashes', (_i, l) => l.set(bigRoot(), new Uint8Array(33)), /whole 32-byte hashes/],
    ['a piece layers key that is not a root', (_i, l) => l.set('short', new Uint8Array(32)), /32-byte root/],
    ['piece layers that are not a dict', (_i, l) => {
      l.clear()
      l.set(bigRoot(), 5)
    }, /whole 32-byte hashes/],
    ['a missing pieces root', (i) => delete props(i, 'one.bin')['pieces root'], /file "one.bin" has no 32-byte pieces root/],
    ['a short pieces root', (i) => (props(i, 'one.bin')['pieces root'] = new Uint8Array(20)), /no 32-byte pieces root/],
    ['an all-zero pieces root', (i) => (props(i, 'one.bin')['pieces root'] = new Uint8Array(32)), /all-zero pieces root/],
    ['a padding file in the tree (a lying pad)', (i) => (props(i, 'one.bin').attr = 'p'), /marked as a padding file/],
    ['a negative length', (i) => (props(i, 'one.bin').length = -1), /negative/],
    ['file properties beside other entries', (i) => ((tree(i)['dir'] as Dict)[''] = { length: 1 }), /mixes a file's properties with other entries/],
    ['a root that is a file', (i) => (tree(i)[''] = { length: 1 }), /root is a file/],
    ['a tree entry that is not a dict', (i) => (tree(i)['x'] = 5), /entry "x" should be a dict/],
    ['a ".." segment', (i) => (tree(i)['..'] = { '': { length: 0 } }), /unsafe path: a "\.\." segment/],
    ['a "." segment', (i) => ((tree(i)['dir'] as Dict)['.'] = { x: { '': { length: 0 } } }), /unsafe path: a "\." segment/],
    ['a separator in a segment', (i) => (tree(i)['a/b'] = { '': { length: 0 } }), /"\/" inside a segment/],
    ['a backslash in a segment', (i) => (tree(i)['..\\x'] = { '': { length: 0 } }), /"\\" inside a segment/],
    ['a NUL in a segment', (i) => (tree(i)['a\u0000'] = { '': { length: 0 } }), /U\+0000/],
    ['a tree holding only empty directories', (i) => (i['file tree'] = { a: {}, b: { c: {} } }), /holds no file/],
    ['a file tree that is not a dict', (i) => (i['file tree'] = [1]), /file tree should be a dict/],
    ['no file tree', (i) => delete i['file tree'], /file tree is missing/],
    ['meta version 3', (i) => (i['meta version'] = 3), /meta version 3 is newer than this client understands/],
    ['a meta version that is not an integer', (i) => (i['meta version'] = '2'), /meta version should be an integer/],
    ['a piece length below 16 KiB', (i) => (i['piece length'] = 8 * KiB), /BEP 52 needs a power of two of at least 16 KiB/],
    ['a piece length that is not a power of two', (i) => (i['piece length'] = 48 * KiB), /power of two/],
    ['pieces without a v1 file list', (i) => (i.pieces = new Uint8Array(20)), /pieces but no v1 file list/],
    ['a v1 file list without pieces', (i) => (i.length = 5), /v1 file list but no pieces/],
    ['a length that claims too many pieces', (i) => {
      props(i, 'two.bin').length = 2 ** 40
    }, /pieces \(limit 2097152\)/],
  ])('%s', async (_what, change, message) => {
    await rejectsWith(broken(change), message)
  })

  it('a file tree without meta version 2 (BEP 52 says check the version first)', async () => {
    await rejectsWith(broken((i) => delete i['meta version']), /file tree but no meta version 2/)
  })

  it('a key that is not UTF-8', async () => {
    const bad = new Map<string, BEncodable>([['\xff\xfe', new Map([['', { length: 0 }]])], ['ok', new Map([['', { length: 1, 'pieces root': new Uint8Array(32).fill(1) }]])]])
    await rejectsWith(encode({ info: { 'file tree': bad, 'meta version': 2, name: 'n', 'piece length': 16384 } }), /file tree entry .* is not valid UTF-8/)
  })

  // Trees too deep or too wide for the encoder (or too slow to build as objects) are written as text.
  const torrentWithTree = (treeText: string): Uint8Array =>
    fromBinaryString(`d4:infod9:file tree${treeText}12:meta versioni2e4:name1:n12:piece lengthi16384eee`)
  const leaf = 'd0:d6:lengthi1e11:pieces root32:' + '\x01'.repeat(32) + 'ee'
  const nested = (depth: number): string => '1:dd'.repeat(depth) + '1:f' + leaf + 'e'.repeat(depth)

  it('nesting deeper than the path limit', async () => {
    expect((await parseTorrent(torrentWithTree(`d${nested(metainfoLimits.maxPathSegments - 1)}e`))).files[0]!.path).toHaveLength(256)
    await rejectsWith(torrentWithTree(`d${nested(metainfoLimits.maxPathSegments)}e`), /nests deeper than 256 path segments/)
  })

  it('nesting beyond what bencode decoding allows is a BencodeError', async () => {
    await expect(parseTorrent(torrentWithTree(`d${nested(400)}e`))).rejects.toThrow(BencodeError)
  })

  it(`more than ${metainfoLimits.maxFiles} files`, async () => {
    const names = Array.from({ length: metainfoLimits.maxFiles + 1 }, (_, i) => `f${String(i).padStart(6, '0')}`)
    await rejectsWith(torrentWithTree(`d${names.map((n) => `7:${n}d0:d6:lengthi0eee`).join('')}e`), /more than 100000 files/)
  })

  it('a tree of empty directories beyond the entry bound', async () => {
    const names = Array.from({ length: metainfoLimits.maxFileTreeNodes + 1 }, (_, i) => `d${String(i).padStart(6, '0')}`)
    await rejectsWith(torrentWithTree(`d${names.map((n) => `7:${n}de`).join('')}1:f${leaf}e`), /more than 200000 entries/)
  })
})

describe('hostile hybrid torrents: the two halves must describe the same bytes', () => {
  it.each<[string, (info: Dict) => void, RegExp]>([
    ['a lying pad (its length does not align the next file)', (i) => {
      const files = i.files as Dict[]
      files[1]!.length = (files[1]!.length as number) - 1
      files.splice(2, 0, { length: 1, path: ['extra'] })
    }, /entry 2 is "extra" in the v1 list but "dir\/empty.txt"|describe different files/],
    ['a pad whose length is off by one', (i) => {
      const files = i.files as Dict[]
      files[1]!.length = (files[1]!.length as number) + 1
    }, /describe different files/],
    ['a pad file in the v1 list where the tree has a real file', (i) => {
      const files = i.files as Dict[]
      files[0]!.attr = 'p'
    }, /entry 0 is "dir\/big.bin" in the v1 list but "dir\/big.bin"/],
    ['files in another order', (i) => {
      const files = i.files as Dict[]
      ;[files[3], files[5]] = [files[5]!, files[3]!]
    }, /describe different files|in the v1 list but/],
    ['a file renamed in one half', (i) => ((i.files as Dict[])[5]!.path = ['other.bin']), /file 5 is "other.bin" .* in the v1 list but "two.bin"/],
    ['no padding where the tree needs it', (i) => (i.files = (i.files as Dict[]).filter((f) => f.attr !== 'p')), /describe different files/],
  ])('%s', async (_what, change, message) => {
    await rejectsWith(broken(change, true), message)
  })
})

/** Keep the TypeScript checker honest about the shape the tests assume. */
export type { Metainfo }
