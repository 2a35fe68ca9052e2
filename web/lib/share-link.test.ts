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

  it('a hybrid link names both hashes (WebTorrent reads its v1 one); a v2-only link only the v2 one (BEP 52)', () => {
    const v2 = Uint8Array.from({ length: 32 }, (_, i) => i + 1)
    const v2Hex = Array.from(v2, (b) => b.toString(16).padStart(2, '0')).join('')
    const hybrid = shareLink('https://drop.example/', magnetFor(HEX, 'h', [], { infoHashV2: v2, v2Only: false }))
    expect(hybrid).toContain(`xt=urn:btih:${HEX}`)
    expect(hybrid).toContain(`xt=urn:btmh:1220${v2Hex}`)
    const back = magnetFromFragment(new URL(hybrid).hash)!
    expect([back.infoHashHex, back.infoHashV2 && Array.from(back.infoHashV2)]).toEqual([HEX, Array.from(v2)])
    expect(magnetDecode(new URL(hybrid).hash.slice(1)).infoHash).toBe(HEX)
    const only = shareLink('https://drop.example/', magnetFor(v2Hex.slice(0, 40), 'o', [], { infoHashV2: v2, v2Only: true }))
    expect(only).not.toContain('btih')
    expect(magnetFromFragment(new URL(only).hash)?.infoHashV2).toEqual(v2)
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
