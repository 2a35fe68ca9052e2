import { describe, expect, it } from 'vitest'
import { encodeTorrent, parseTorrent } from './index.ts'
import { decode } from '../bencode/index.ts'
import { fromBinaryString, toBinaryString } from '../bytes.ts'
import { fixture } from './test-support/fixtures.ts'

describe('encodeTorrent', () => {
  it('wraps existing info bytes verbatim, so the info hash survives (even with unsorted keys)', async () => {
    const infoText = `d12:piece lengthi16384e6:pieces20:${'\x01'.repeat(20)}4:name3:abc6:lengthi100ee`
    const torrent = encodeTorrent({
      infoBytes: fromBinaryString(infoText),
      announce: [['wss://a'], ['wss://b', 'wss://c']],
      urlList: ['https://seed/'],
      comment: 'note',
      createdBy: 'swarmdrop',
      creationDate: 1234,
    })
    expect(toBinaryString(torrent)).toBe(
      'd8:announce7:wss://a13:announce-listll7:wss://ael7:wss://b7:wss://cee7:comment4:note10:created by9:swarmdrop13:creation datei1234e' +
        `4:info${infoText}8:url-listl13:https://seed/ee`,
    )
    const m = await parseTorrent(torrent)
    expect(m.announce).toEqual([['wss://a'], ['wss://b', 'wss://c']])
    expect(toBinaryString(m.infoBytes)).toBe(infoText)
  })

  it('re-wraps a fixture with new trackers and keeps its info hash', async () => {
    const original = await parseTorrent(fixture('sintel.torrent'))
    const rewrapped = await parseTorrent(encodeTorrent({ infoBytes: original.infoBytes, announce: [['wss://tracker.example']] }))
    expect(rewrapped.infoHashHex).toBe('c334138ef5bfc2d568ea7324e0e2a3a7ec229bdd')
    expect(rewrapped.announce).toEqual([['wss://tracker.example']])
  })

  it('writes only announce for one tracker, nothing for none, and drops empty tiers', () => {
    const info = fromBinaryString('de')
    expect(toBinaryString(encodeTorrent({ infoBytes: info, announce: [['wss://a']] }))).toBe('d8:announce7:wss://a4:infodee')
    expect(toBinaryString(encodeTorrent({ infoBytes: info, announce: [[], ['']] }))).toBe('d4:infodee')
    expect(decode(encodeTorrent({ infoBytes: info }))).toEqual(new Map([['info', new Map()]]))
  })
})
