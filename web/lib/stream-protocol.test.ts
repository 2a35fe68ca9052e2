import { describe, expect, it } from 'vitest'
import { parseRange, parseStreamPath, streamPath } from './stream-protocol.ts'
import { mediaTypeOf } from './media-type.ts'

describe('stream paths and Range headers (RFC 9110 14.2)', () => {
  it('round-trips a stream path and refuses anything else', () => {
    const hex = 'ab'.repeat(20)
    expect(parseStreamPath(streamPath(hex, 3))).toEqual({ infoHashHex: hex, fileIndex: 3 })
    for (const bad of ['/stream/' + hex, '/stream/xyz/1', `/stream/${hex}/1/x`, `/stream/${hex.toUpperCase()}/1`, `/stream/${hex}/-1`]) expect(parseStreamPath(bad)).toBeNull()
  })

  it.each([
    [null, { all: true }],
    ['bytes=0-', { start: 0, end: 1000 }],
    ['bytes=100-199', { start: 100, end: 200 }],
    ['bytes=900-5000', { start: 900, end: 1000 }],
    ['bytes=-100', { start: 900, end: 1000 }],
    ['bytes=-5000', { start: 0, end: 1000 }],
    ['bytes=1000-', 'unsatisfiable'],
    ['bytes=-0', 'unsatisfiable'],
    ['bytes=5-4', 'unsatisfiable'],
    ['bytes=0-1,5-6', { all: true }],
    ['items=0-1', { all: true }],
  ] as const)('%s', (header, want) => {
    const got = parseRange(header, 1000)
    if (typeof want === 'object' && 'all' in want) expect(got).toBe('all')
    else expect(got).toEqual(want)
  })
})

describe('media types', () => {
  it.each([
    ['film.MP4', 'video'],
    ['a.webm', 'video'],
    ['b.mkv', 'video'],
    ['song.flac', 'audio'],
    ['x.mp3', 'audio'],
    ['pic.JPG', 'image'],
    ['notes.txt', 'text'],
    ['setup.exe', 'none'],
    ['noext', 'none'],
  ])('%s is %s', (name, kind) => expect(mediaTypeOf(name).preview).toBe(kind))
})
