import { describe, expect, it } from 'vitest'
import { parseTorrent, unsafeSegmentReason, metainfoLimits } from './index.ts'
import { MetainfoError } from '../errors.ts'
import { fromBinaryString } from '../bytes.ts'
import { encode } from '../bencode/index.ts'
import { baseInfo, multiInfo, rejectsWith, torrentOf } from './test-support/fixtures.ts'


describe('path segments', () => {
  it.each([
    ['', /empty/],
    ['.', /"\." segment/],
    ['..', /"\.\." segment/],
    ['a/b', /"\/" inside/],
    ['/etc', /"\/" inside/],
    ['a\\b', /"\\" inside/],
    ['C:\\x', /"\\" inside/],
    ['nul\u0000byte', /U\+0000/],
    ['tab\there', /U\+0009/],
    ['new\nline', /U\+000A/],
    ['del\u007f', /U\+007F/],
    ['c1\u0085', /U\+0085/],
    ['lone\ud800', /U\+D800/],
  ])('%j is unsafe', (segment, reason) => {
    expect(unsafeSegmentReason(segment)).toMatch(reason)
  })

  it.each(['a', '...', '..a', 'a..', '.hidden', 'Leaves of Grass.epub', 'é', '日本語', '😀', 'a:b', 'CON'])('%j is safe', (segment) => {
    expect(unsafeSegmentReason(segment)).toBeNull()
  })

  it.each([
    [['..', 'etc', 'passwd'], /file 0 .*unsafe path: a "\.\." segment/],
    [['a', '', 'b'], /file 0 .*empty segment/],
    [['/abs'], /file 0 .*"\/" inside/],
    [[], /file 0 "" has an empty path/],
    [['a\u0000b'], /file 0 .*U\+0000/],
  ])('a torrent with file path %j is rejected, naming the file', async (path, message) => {
    await rejectsWith(torrentOf(multiInfo([{ path, length: 10 }])), message)
  })

  it('names the offending file by index and path', async () => {
    const info = multiInfo([
      { path: ['ok'], length: 1 },
      { path: ['sub', '..'], length: 1 },
    ])
    await rejectsWith(torrentOf(info), /file 1 "sub\/\.\." has an unsafe path/)
  })

  it.each(['..', '.', '', 'a/b', 'x\\y', 'a\u0001'])('a torrent named %j is rejected', async (name) => {
    await rejectsWith(torrentOf(baseInfo({ name })), /torrent name .* unsafe path/)
  })

  it('rejects two files on one path, and a file that is also a directory', async () => {
    await rejectsWith(torrentOf(multiInfo([{ path: ['a'], length: 1 }, { path: ['a'], length: 1 }])), /"a" appears twice/)
    await rejectsWith(torrentOf(multiInfo([{ path: ['a'], length: 1 }, { path: ['a', 'b'], length: 1 }])), /"a" is both a file and a directory/)
    await rejectsWith(torrentOf(multiInfo([{ path: ['a', 'b'], length: 1 }, { path: ['a'], length: 1 }])), /appears twice \(or is also a directory\)/)
  })
})

describe('text fields', () => {
  it('prefers name.utf-8 and path.utf-8', async () => {
    const info = multiInfo([{ path: [fromBinaryString('\xe9')], 'path.utf-8': ['é'], length: 5 }], {
      name: fromBinaryString('caf\xe9'),
      'name.utf-8': 'café',
    })
    const m = await parseTorrent(torrentOf(info))
    expect(m.name).toBe('café')
    expect(m.files[0]!.path).toEqual(['é'])
  })

  it('rejects invalid UTF-8 without a .utf-8 alternative, naming the file', async () => {
    await rejectsWith(torrentOf(baseInfo({ name: fromBinaryString('caf\xe9') })), /info\.name is not valid UTF-8/)
    const info = multiInfo([{ path: ['ok'], length: 1 }, { path: ['d', fromBinaryString('\xff')], length: 1 }])
    await rejectsWith(torrentOf(info), /file 1: info\.files\[1\]\.path\[1\] is not valid UTF-8/)
  })

  it('falls back to path when path.utf-8 is itself broken', async () => {
    const info = multiInfo([{ path: ['good'], 'path.utf-8': [fromBinaryString('\xff')], length: 3 }])
    expect((await parseTorrent(torrentOf(info))).files[0]!.path).toEqual(['good'])
  })
})

describe('info dict checks', () => {
  it.each([
    ['pieces not a multiple of 20', baseInfo({ pieces: new Uint8Array(59) }), /59 bytes, not a multiple of 20/],
    ['too few piece hashes', baseInfo({ pieces: new Uint8Array(40) }), /2 hashes, but 40000 bytes in pieces of 16384 make 3/],
    ['too many piece hashes', baseInfo({ pieces: new Uint8Array(80) }), /4 hashes/],
    ['no pieces', baseInfo({ pieces: undefined }), /info\.pieces is missing/],
    ['pieces as a list', baseInfo({ pieces: [] }), /info\.pieces should be a byte string, not a list/],
    ['negative length', baseInfo({ length: -1 }), /info\.length is negative/],
    ['length as a string', baseInfo({ length: '5' }), /info\.length should be an integer/],
    ['zero length', baseInfo({ length: 0, pieces: new Uint8Array(0) }), /no data \(total length 0\)/],
    ['piece length 0', baseInfo({ 'piece length': 0 }), /piece length 0 is outside/],
    ['piece length below 1 KiB', baseInfo({ 'piece length': 512 }), /piece length 512 is outside 1024\.\.536870912/],
    ['piece length above 512 MiB', baseInfo({ 'piece length': 2 ** 30, pieces: new Uint8Array(20) }), /is outside/],
    ['no piece length', baseInfo({ 'piece length': undefined }), /piece length is missing/],
    ['both length and files', baseInfo({ files: [{ length: 1, path: ['a'] }] }), /both length and files/],
    ['neither length nor files', baseInfo({ length: undefined }), /neither length nor files/],
    ['empty files', multiInfo([], { pieces: new Uint8Array(0) }), /info\.files is empty/],
    ['a file entry that is not a dict', multiInfo([], { files: [5] as never, pieces: new Uint8Array(20) }), /info\.files\[0\] should be a dict/],
    ['a file without length', multiInfo([{ path: ['a'] } as never]), /info\.files\[0\]\.length is missing/],
    ['a negative file length', multiInfo([{ path: ['a'], length: -5 }]), /info\.files\[0\]\.length is negative/],
    ['a file without path', multiInfo([{ length: 5 } as never]), /info\.files\[0\]\.path is missing/],
    ['a path segment that is a number', multiInfo([{ path: [7], length: 5 }]), /path\[0\] should be a byte string/],
    ['a path that is a string', multiInfo([{ path: 'a' as never, length: 5 }]), /path should be a list/],
  ])('rejects %s', async (_what, info, message) => {
    await rejectsWith(torrentOf(info), message)
  })

  it('rejects a total length beyond the safe integers', async () => {
    const big = 2 ** 52
    const info = multiInfo([], { files: [{ length: big, path: ['a'] }, { length: big, path: ['b'] }], 'piece length': 2 ** 29, pieces: new Uint8Array(20) })
    await rejectsWith(torrentOf(info), /total length of the files is too large/)
  })

  it(`rejects more than ${metainfoLimits.maxFiles} files`, async () => {
    const files = Array.from({ length: metainfoLimits.maxFiles + 1 }, (_, i) => ({ length: 0, path: [`f${i}`] }))
    files[0]!.length = 1
    await rejectsWith(torrentOf(multiInfo(files)), /100001 files \(limit 100000\)/)
  })

  // v2 and hybrid torrents (BEP 52): v2.test.ts.

  it('private is true only for the integer 1 (BEP 27)', async () => {
    expect((await parseTorrent(torrentOf(baseInfo({ private: 1 })))).private).toBe(true)
    expect((await parseTorrent(torrentOf(baseInfo({ private: 0 })))).private).toBe(false)
    expect((await parseTorrent(torrentOf(baseInfo({ private: '1' })))).private).toBe(false)
  })

  it('keeps an info dict with unknown keys, and hashes them too', async () => {
    const plain = await parseTorrent(torrentOf(baseInfo()))
    const extra = await parseTorrent(torrentOf(baseInfo({ source: 'tracker-x' })))
    expect(extra.infoHashHex).not.toBe(plain.infoHashHex)
    expect(extra.infoBytes).toEqual(encode(baseInfo({ source: 'tracker-x' })))
  })
})
