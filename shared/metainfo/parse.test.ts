import { describe, expect, it } from 'vitest'
import { parseInfo, parseTorrent, pieceLengthOf } from './index.ts'
import type { Metainfo } from './index.ts'
import { BencodeError, MetainfoError } from '../errors.ts'
import { fromBinaryString, fromHex, toHex } from '../bytes.ts'
import { baseInfo, fixture, fixtureTorrentNames, nodeSha1Hex, torrentOf } from './test-support/fixtures.ts'

// The info hashes published with the fixtures (docs/spec/peer-wire.md, "Test vectors").
const KNOWN: Record<string, string> = {
  'leaves.torrent': 'd2474e86c95b19b8bcfdb92bc12c9d44667cfa36',
  'leaves-metadata.torrent': 'd2474e86c95b19b8bcfdb92bc12c9d44667cfa36',
  'alice.torrent': '722fe65b2aa26d14f35b4ad627d20236e481d924',
  'folder.torrent': 'b88da2caac6648e6c7d7687e3f89085f7e230e6b',
  'numbers.torrent': '89d97c2261a21b040cf11caa661a3ba7233bb7e6',
  'lots-of-numbers.torrent': '114ead6243792ba56297edbb9a78dfba84d4fc00',
  'bunny.torrent': 'af8f10f30bf9aefecf3686922bfa0d5bd290a395',
  'sintel.torrent': 'c334138ef5bfc2d568ea7324e0e2a3a7ec229bdd',
}

async function rejectsWith(bytes: Uint8Array, message: RegExp): Promise<MetainfoError> {
  const err = await parseTorrent(bytes).then(
    () => null,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(MetainfoError)
  expect((err as Error).message).toMatch(message)
  return err as MetainfoError
}

describe('parseTorrent on the webtorrent fixtures', () => {
  it('covers every .torrent the package ships', () => {
    expect(fixtureTorrentNames()).toEqual([...Object.keys(KNOWN), 'corrupt.torrent'].sort())
  })

  it.each(Object.entries(KNOWN))('%s has info hash %s', async (file, hash) => {
    const bytes = fixture(file)
    const m = await parseTorrent(bytes)
    expect(m.infoHashHex).toBe(hash)
    expect(toHex(m.infoHash)).toBe(hash)
    // The info bytes are a verbatim slice of the file, and node:crypto agrees on their hash.
    expect(nodeSha1Hex(m.infoBytes)).toBe(hash)
    expect(m.pieceHashes.length).toBe(20 * m.pieceCount)
    expect(m.pieceCount).toBe(Math.ceil(m.length / m.pieceLength))
    expect(m.files.reduce((s, f) => s + f.length, 0)).toBe(m.length)
  })

  it('reads the files of numbers.torrent with their offsets', async () => {
    const m = await parseTorrent(fixture('numbers.torrent'))
    expect(m.name).toBe('numbers')
    expect(m.files.map((f) => [f.path.join('/'), f.length, f.offset])).toEqual([
      ['1.txt', 1, 0],
      ['2.txt', 2, 1],
      ['3.txt', 3, 3],
    ])
    expect(m.length).toBe(6)
    expect(pieceLengthOf(m, 0)).toBe(6)
  })

  it('reads nested paths of lots-of-numbers.torrent', async () => {
    const m = await parseTorrent(fixture('lots-of-numbers.torrent'))
    expect(m.files.map((f) => f.path)).toContainEqual(['big numbers', '10.txt'])
    expect(m.files.map((f) => f.path)).toContainEqual(['small numbers', '1.txt'])
    expect(m.files.every((f) => f.path.length === 2)).toBe(true)
    expect(m.length).toBe(12)
  })

  it('reads bunny.torrent as private with a web seed', async () => {
    const m = await parseTorrent(fixture('bunny.torrent'))
    expect(m.private).toBe(true)
    expect(m.urlList).toEqual(['http://distribution.bbb3d.renderfarming.net/video/mp4/bbb_sunflower_1080p_30fps_stereo_abl.mp4'])
    expect(m.files).toEqual([{ path: ['bbb_sunflower_1080p_30fps_stereo_abl.mp4'], length: 434839491, offset: 0, padding: false }])
    expect(m.createdBy).toBe('uTorrent/3320')
    expect(m.creationDate).toBe(1387309701)
  })

  it('reads sintel.torrent (5.5 GB, 4 MiB pieces) and its short last piece', async () => {
    const m = await parseTorrent(fixture('sintel.torrent'))
    expect(m.private).toBe(false)
    expect(m.pieceLength).toBe(4 * 1024 * 1024)
    expect(m.pieceCount).toBe(1310)
    expect(m.length).toBe(5490455272)
    expect(pieceLengthOf(m, 0)).toBe(4194304)
    expect(pieceLengthOf(m, 1309)).toBe(5490455272 - 1309 * 4194304)
    expect(() => pieceLengthOf(m, 1310)).toThrow(RangeError)
  })

  it('rejects corrupt.torrent (no name) with a MetainfoError that says so', async () => {
    await rejectsWith(fixture('corrupt.torrent'), /name is missing/)
  })
})

describe('parseInfo (metadata fetched from peers, BEP 9)', () => {
  it('parses the info bytes and checks them against the expected hash', async () => {
    const m = await parseTorrent(fixture('alice.torrent'))
    const info = await parseInfo(m.infoBytes, m.infoHash)
    expect(info.infoHashHex).toBe(m.infoHashHex)
    expect(info.files).toEqual(m.files)
    const wrong = fromHex('00'.repeat(20))
    await expect(parseInfo(m.infoBytes, wrong)).rejects.toThrow(MetainfoError)
    await expect(parseInfo(m.infoBytes, wrong)).rejects.toThrow(/not the expected 0000/)
  })

  it('rejects bytes that are not one bencoded dict', async () => {
    await expect(parseInfo(fromBinaryString('d4:name1:xe junk'))).rejects.toThrow(BencodeError)
    await expect(parseInfo(fromBinaryString('li1ee'))).rejects.toThrow(MetainfoError)
  })
})

describe('parseTorrent: top-level fields', () => {
  it('uses announce-list tiers (BEP 12) over announce, skipping junk entries', async () => {
    const t = torrentOf(baseInfo(), {
      announce: 'http://ignored/announce',
      'announce-list': [['wss://a', 'wss://b'], [], [1 as never, 'wss://c', 'wss://c'], 'x' as never],
    })
    const m = await parseTorrent(t)
    expect(m.announce).toEqual([['wss://a', 'wss://b'], ['wss://c']])
  })

  it('falls back to [[announce]] and to [] with no tracker', async () => {
    expect((await parseTorrent(torrentOf(baseInfo(), { announce: 'wss://t' }))).announce).toEqual([['wss://t']])
    expect((await parseTorrent(torrentOf(baseInfo(), { 'announce-list': [] }))).announce).toEqual([])
    expect((await parseTorrent(torrentOf(baseInfo()))).announce).toEqual([])
  })

  it('accepts url-list as one string or a list (BEP 19)', async () => {
    expect((await parseTorrent(torrentOf(baseInfo(), { 'url-list': 'https://seed/' }))).urlList).toEqual(['https://seed/'])
    expect((await parseTorrent(torrentOf(baseInfo(), { 'url-list': ['https://a/', 'https://b/'] }))).urlList).toEqual(['https://a/', 'https://b/'])
  })

  it('skips descriptive fields of the wrong type instead of failing', async () => {
    const m: Metainfo = await parseTorrent(torrentOf(baseInfo(), { comment: 5, 'created by': [], 'creation date': 'x', announce: 7 }))
    expect(m.comment).toBeUndefined()
    expect(m.createdBy).toBeUndefined()
    expect(m.creationDate).toBeUndefined()
    expect(m.announce).toEqual([])
  })

  it('rejects a top level that is not a dict, or has no info dict', async () => {
    await rejectsWith(fromBinaryString('li1ee'), /must be a bencoded dict/)
    await rejectsWith(torrentOf(undefined as never, { announce: 'x' }), /no info dict/)
    await rejectsWith(torrentOf(['x']), /info should be a dict/)
  })

  it('rejects non-bencode with a BencodeError', async () => {
    await expect(parseTorrent(fromBinaryString('d4:infod'))).rejects.toThrow(BencodeError)
    await expect(parseTorrent(new Uint8Array(0))).rejects.toThrow(BencodeError)
  })
})

describe('parseTorrent: unsorted keys', () => {
  it('accepts them and hashes the info dict exactly as written', async () => {
    // "pieces" before "name" and "length" last: unsorted, as some old clients wrote them.
    const pieces = '\x01'.repeat(20)
    const infoText = `d12:piece lengthi16384e6:pieces20:${pieces}4:name3:abc6:lengthi100ee`
    const bytes = fromBinaryString(`d8:announce5:wss:x4:info${infoText}e`)
    const m = await parseTorrent(bytes)
    expect(m.name).toBe('abc')
    expect(m.infoHashHex).toBe(nodeSha1Hex(fromBinaryString(infoText)))
    // Re-encoding would sort the keys and change the hash: the raw bytes are what count.
    const sorted = `d6:lengthi100e4:name3:abc12:piece lengthi16384e6:pieces20:${pieces}e`
    expect(m.infoHashHex).not.toBe(nodeSha1Hex(fromBinaryString(sorted)))
  })
})
