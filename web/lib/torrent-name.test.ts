import { describe, expect, it } from 'vitest'
import { defaultTorrentName } from './torrent-name.ts'

const f = (...paths: string[]) => paths.map((p) => ({ path: p.split('/') }))

describe('defaultTorrentName', () => {
  it('leaves one file and one top folder to createTorrent', () => {
    expect(defaultTorrentName(f('a.txt'))).toBeUndefined()
    expect(defaultTorrentName(f('album/1.flac', 'album/cd2/2.flac'))).toBeUndefined()
  })

  it('names several loose files after the first one, in sorted order', () => {
    expect(defaultTorrentName(f('c.bin', 'holiday.jpg', 'b.txt'))).toBe('b and 2 more')
    expect(defaultTorrentName(f('one.txt', 'two.txt'))).toBe('one and 1 more')
  })

  it('names files from several folders too', () => {
    expect(defaultTorrentName(f('x/a.txt', 'y/b.txt'))).toBe('a and 1 more')
    expect(defaultTorrentName(f('x/a.txt', 'loose.txt'))).toBe('loose and 1 more')
  })

  it('keeps a name without an extension, and a dot file whole', () => {
    expect(defaultTorrentName(f('README', 'z'))).toBe('README and 1 more')
    expect(defaultTorrentName(f('.env', 'z'))).toBe('.env and 1 more')
  })
})
