// Interop with `magnet-uri` (WebTorrent's magnet codec): what it writes we read to the same values,
// and what we write it reads to the same values.
import magnetUri from 'magnet-uri'
import { decode as magnetDecode, encode as magnetEncode } from 'magnet-uri'
import { describe, expect, it } from 'vitest'
import { fromHex, toHex } from '../bytes.ts'
import { base32Encode } from './base32.ts'
import { formatMagnet } from './format.ts'
import { parseMagnet } from './parse.ts'
import type { MagnetLink } from './types.ts'

const HEX = 'd2474e86c95b19b8bcfdb92bc12c9d44667cfa36'
const HEX2 = '722fe65b2aa26d14f35b4ad627d20236e481d924'
const V2 = '8a0e3b3c7c5a1e2b9d5c4f6a7b8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708'

/** The fields both codecs share, in magnet-uri's vocabulary. */
function theirs(uri: string) {
  const d = magnetDecode(uri)
  return {
    infoHash: d.infoHash,
    infoHashV2: d.infoHashV2,
    name: d.name,
    announce: d.announce ?? [],
    urlList: d.urlList ?? [],
    so: d.so === undefined ? undefined : [...new Set(d.so)].sort((a, b) => a - b),
    peers: d.peerAddresses ?? [],
  }
}

function ours(uri: string) {
  const m = parseMagnet(uri)
  return {
    infoHash: m.infoHashHex,
    infoHashV2: m.infoHashV2 && toHex(m.infoHashV2),
    name: m.name,
    announce: m.trackers,
    urlList: m.webSeeds,
    so: m.select,
    peers: m.peers,
  }
}

const ENCODED_BY_MAGNET_URI = [
  { infoHash: HEX },
  { infoHash: HEX, name: 'Leaves of Grass by Walt Whitman.epub' },
  { infoHash: HEX2, name: 'Alice (1865) [illustrated].txt', announce: ['wss://tracker.btorrent.xyz', 'wss://tracker.openwebtorrent.com', 'udp://tracker.leechers-paradise.org:6969'] },
  { infoHash: HEX, announce: ['wss://a.example/announce?key=1&x=%2F'], urlList: ['https://seed.example/dir/file name.mp4', 'https://seed2.example/'] },
  { infoHash: HEX, name: 'folder', so: [0, 2, 4, 5, 6] },
  { infoHash: HEX, so: [1, 2, 3, 10] },
  { infoHashV2: V2, name: 'v2 only' },
  { infoHash: HEX, infoHashV2: V2, name: 'hybrid', announce: ['wss://t.example'] },
  { infoHash: HEX, peerAddresses: ['10.0.0.1:6881', '[::1]:51413'] },
  { infoHash: HEX, name: 'ünïcödé 名前 🎉', announce: ['wss://tracker.example/ünï'] },
]

describe('magnet-uri interop', () => {
  for (const example of ENCODED_BY_MAGNET_URI) {
    const uri = magnetEncode(example)
    it(`reads magnet-uri's ${uri.slice(0, 90)} to the same values`, () => {
      expect(ours(uri)).toEqual(theirs(uri))
    })
  }

  it('reads a base32 info hash as magnet-uri does', () => {
    const uri = `magnet:?xt=urn:btih:${base32Encode(fromHex(HEX))}&dn=b32`
    expect(theirs(uri).infoHash).toBe(HEX)
    expect(ours(uri)).toEqual(theirs(uri))
  })

  it('writes links magnet-uri reads to the same values, and that round-trip through our parser', () => {
    const links: MagnetLink[] = [
      { infoHash: fromHex(HEX), trackers: [], webSeeds: [], exactSources: [], peers: [] },
      {
        infoHash: fromHex(HEX2),
        name: 'My Holiday (2026) & friends.mp4',
        trackers: ['wss://tracker.example/announce', 'ws://localhost:8000/'],
        webSeeds: ['https://cdn.example/My Holiday.mp4'],
        exactSources: ['https://x.example/a.torrent'],
        select: [0, 1, 2, 7],
        peers: ['127.0.0.1:6881'],
      },
      { infoHashV2: fromHex(V2), name: 'v2', trackers: [], webSeeds: [], exactSources: [], peers: [] },
    ]
    for (const link of links) {
      const uri = formatMagnet(link)
      expect(theirs(uri)).toEqual(ours(uri))
      const back = parseMagnet(uri)
      expect(back.infoHash && toHex(back.infoHash)).toBe(link.infoHash && toHex(link.infoHash))
      expect(back.name).toBe(link.name)
      expect(back.trackers).toEqual(link.trackers)
      expect(back.webSeeds).toEqual(link.webSeeds)
      expect(back.exactSources).toEqual(link.exactSources)
      expect(back.select).toEqual(link.select)
      expect(back.peers).toEqual(link.peers)
      expect(magnetUri(uri).xs).toEqual(link.exactSources.length === 1 ? link.exactSources[0] : undefined)
    }
  })
})
