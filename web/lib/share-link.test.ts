/// <reference path="../../shared/magnet/test-support/magnet-uri.d.ts" />
import { describe, expect, it } from 'vitest'
import { decode as magnetDecode } from 'magnet-uri'
import { MagnetError } from '../../shared/errors.ts'
import { magnetFor, magnetFromFragment, ownTracker, parseTorrentInput, shareLink } from './share-link.ts'

const HEX = 'c9e15763f722f23e98a29decdfae341b98d53056'

describe('share links', () => {
  it('puts the magnet, tracker included, in the app URL fragment and reads it back', () => {
    const tracker = ownTracker('https://drop.example/app/?x=1#old')
    expect(tracker).toBe('wss://drop.example/announce')
    const link = shareLink('https://drop.example/app/?x=1#old', magnetFor(HEX, 'My files & more', [tracker]))
    expect(link.startsWith(`https://drop.example/app/#magnet:?xt=urn:btih:${HEX}&dn=My+files+%26+more&tr=wss%3A%2F%2Fdrop.example%2Fannounce`)).toBe(true)
    const back = magnetFromFragment(new URL(link).hash)
    expect(back?.infoHashHex).toBe(HEX)
    expect(back?.name).toBe('My files & more')
    expect(back?.trackers).toEqual(['wss://drop.example/announce'])
    // WebTorrent's parser reads the fragment the same way.
    const theirs = magnetDecode(new URL(link).hash.slice(1))
    expect([theirs.infoHash, theirs.name, theirs.tr]).toEqual([HEX, 'My files & more', 'wss://drop.example/announce'])
  })

  it('uses ws:// for an http page', () => {
    expect(ownTracker('http://127.0.0.1:8000/')).toBe('ws://127.0.0.1:8000/announce')
  })

  it('ignores fragments that are not magnets', () => {
    expect(magnetFromFragment('')).toBeNull()
    expect(magnetFromFragment('#settings')).toBeNull()
  })
})

describe('parseTorrentInput', () => {
  it('accepts a share link, a magnet, a hex or base32 hash', () => {
    const link = `https://h/#magnet:?xt=urn:btih:${HEX}&tr=ws%3A%2F%2Fh%2Fannounce`
    expect(parseTorrentInput(`  ${link}\n`).trackers).toEqual(['ws://h/announce'])
    expect(parseTorrentInput(`magnet:?xt=urn:btih:${HEX.toUpperCase()}`).infoHashHex).toBe(HEX)
    const bare = parseTorrentInput(HEX, ['ws://self/announce'])
    expect([bare.infoHashHex, bare.trackers]).toEqual([HEX, ['ws://self/announce']])
    expect(parseTorrentInput('ZHQVOY7XELZD5GFCTXWN7LRUDOMNKMCW').infoHashHex).toBe(HEX)
  })

  it('throws MagnetError for anything else', () => {
    for (const bad of ['', 'hello', 'https://h/#settings', `${HEX}00`, 'magnet:?dn=x']) {
      expect(() => parseTorrentInput(bad)).toThrow(MagnetError)
    }
  })
})
