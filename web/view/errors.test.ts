import { describe, expect, it } from 'vitest'
import { BencodeError, MagnetError, MetainfoError } from '../../shared/errors.ts'
import { describeError } from './errors.ts'

describe('describeError', () => {
  it('names the file or link the person gave', () => {
    expect(describeError(new BencodeError('unexpected end of input', 12), 'torrent')).toBe('This .torrent file cannot be read: unexpected end of input at byte 12.')
    expect(describeError(new MetainfoError('info.pieces is missing'))).toBe('This .torrent file cannot be read: info.pieces is missing.')
    expect(describeError(new MagnetError('no xt'), 'link')).toBe('That is not a share link, a magnet link or an info hash: no xt.')
  })

  it('says storage is full and what to do', () => {
    const q = Object.assign(new Error('not enough storage: this torrent needs 2.0 GiB more, the browser allows 1.0 GiB more for this site'), { name: 'QuotaError' })
    expect(describeError(q)).toBe('Not enough storage: this torrent needs 2.0 GiB more, the browser allows 1.0 GiB more for this site. Free some in Settings or remove torrents.')
  })

  it('passes other messages through, capitalised', () => {
    expect(describeError(new Error('the torrent has no data yet'))).toBe('The torrent has no data yet')
    expect(describeError('boom')).toBe('Boom')
  })
})
