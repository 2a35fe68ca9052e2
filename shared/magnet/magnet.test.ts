import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { fromHex, toHex } from '../bytes.ts'
import { MagnetError } from '../errors.ts'
import { base32Decode, base32Encode } from './base32.ts'
import { composeSelect, formatMagnet } from './format.ts'
import { MAX_MAGNET_LENGTH, MAX_SELECTED, MAX_TRACKERS } from './limits.ts'
import { parseInfoHashInput, parseMagnet } from './parse.ts'
import { swarmIdOf } from './swarm-id.ts'
import type { MagnetLink } from './types.ts'

const HEX = 'd2474e86c95b19b8bcfdb92bc12c9d44667cfa36'
// RFC 4648 base32 of the same 20 bytes (checked against magnet-uri in magnet-uri.interop.test.ts).
const B32 = base32Encode(fromHex(HEX))
const V2 = 'a'.repeat(64)

describe('parseMagnet', () => {
  it('reads a full WebTorrent-style magnet', () => {
    const m = parseMagnet(
      `magnet:?xt=urn:btih:${HEX}&dn=Leaves+of+Grass+by+Walt+Whitman.epub&tr=udp%3A%2F%2Ftracker.example.org%3A1337` +
        `&tr=wss%3A%2F%2Ftracker.webtorrent.dev&ws=https%3A%2F%2Fexample.com%2Ffile&xs=https%3A%2F%2Fexample.com%2Fa.torrent` +
        `&so=0,2,4-6&x.pe=10.0.0.1%3A6881`,
    )
    expect(toHex(m.infoHash!)).toBe(HEX)
    expect(m.infoHashHex).toBe(HEX)
    expect(m.name).toBe('Leaves of Grass by Walt Whitman.epub')
    expect(m.trackers).toEqual(['udp://tracker.example.org:1337', 'wss://tracker.webtorrent.dev'])
    expect(m.webSeeds).toEqual(['https://example.com/file'])
    expect(m.exactSources).toEqual(['https://example.com/a.torrent'])
    expect(m.select).toEqual([0, 2, 4, 5, 6])
    expect(m.peers).toEqual(['10.0.0.1:6881'])
  })

  it('reads base32 info hashes, in either case, to the same bytes as hex', () => {
    expect(B32).toHaveLength(32)
    expect(parseMagnet(`magnet:?xt=urn:btih:${B32}`).infoHashHex).toBe(HEX)
    expect(parseMagnet(`magnet:?xt=urn:btih:${B32.toLowerCase()}`).infoHashHex).toBe(HEX)
    expect(parseMagnet(`magnet:?xt=urn:btih:${HEX.toUpperCase()}`).infoHashHex).toBe(HEX)
  })

  it('reads a v2 btmh info hash, alone or next to a v1 one (hybrid)', () => {
    const v2 = parseMagnet(`magnet:?xt=urn:btmh:1220${V2}`)
    expect(toHex(v2.infoHashV2!)).toBe(V2)
    expect(v2.infoHash).toBeUndefined()
    const hybrid = parseMagnet(`magnet:?xt=urn:btih:${HEX}&xt=urn:btmh:1220${V2}`)
    expect(hybrid.infoHashHex).toBe(HEX)
    expect(toHex(hybrid.infoHashV2!)).toBe(V2)
  })

  it('names the swarm by the v1 hash, or for v2 only by the v2 hash truncated to 20 bytes (BEP 52)', () => {
    expect(toHex(swarmIdOf(parseMagnet(`magnet:?xt=urn:btmh:1220${'0123456789'.repeat(6)}abcd`)))).toBe('0123456789'.repeat(4))
    expect(toHex(swarmIdOf(parseMagnet(`magnet:?xt=urn:btmh:1220${V2}&xt=urn:btih:${HEX}`)))).toBe(HEX)
    expect(toHex(swarmIdOf(parseMagnet(`magnet:?xt=urn:btih:${HEX}`)))).toBe(HEX)
  })

  it('accepts duplicate identical xt, numbered keys, percent-encoded xt and ignores other urns and keys', () => {
    const m = parseMagnet(`magnet:?xt.1=urn:btih:${HEX}&xt.2=urn%3Abtih%3A${HEX}&xt=urn:ed2k:abcd&kt=a+b&mt=x&&foo`)
    expect(m.infoHashHex).toBe(HEX)
  })

  it('deduplicates trackers and keeps their order', () => {
    const m = parseMagnet(`magnet:?xt=urn:btih:${HEX}&tr=wss%3A%2F%2Fb&tr=wss%3A%2F%2Fa&tr=wss%3A%2F%2Fb`)
    expect(m.trackers).toEqual(['wss://b', 'wss://a'])
  })

  it('keeps the first dn; decodes + as space and %2B as plus', () => {
    expect(parseMagnet(`magnet:?xt=urn:btih:${HEX}&dn=a+b%2Bc%20d&dn=other`).name).toBe('a b+c d')
  })

  it('drops a #fragment', () => {
    expect(parseMagnet(`magnet:?xt=urn:btih:${HEX}&dn=x#frag`).name).toBe('x')
  })

  it('merges and sorts so ranges', () => {
    expect(parseMagnet(`magnet:?xt=urn:btih:${HEX}&so=6-7,1&so=0,1`).select).toEqual([0, 1, 6, 7])
    expect(parseMagnet(`magnet:?xt=urn:btih:${HEX}`).select).toBeUndefined()
  })

  it('bounds how many files so may select, counting overlaps once', () => {
    expect(parseMagnet(`magnet:?xt=urn:btih:${HEX}&so=0-${MAX_SELECTED - 1}&so=5-10`).select).toHaveLength(MAX_SELECTED)
    expect(() => parseMagnet(`magnet:?xt=urn:btih:${HEX}&so=0-${MAX_SELECTED}`)).toThrow(MagnetError)
    expect(() => parseMagnet(`magnet:?xt=urn:btih:${HEX}&so=0-5000,6000-12000`)).toThrow(/more than 10000/)
  })

  it('bounds the trackers it keeps', () => {
    const trs = Array.from({ length: MAX_TRACKERS + 50 }, (_, i) => `&tr=wss%3A%2F%2Ft${i}`).join('')
    expect(parseMagnet(`magnet:?xt=urn:btih:${HEX}${trs}`).trackers).toHaveLength(MAX_TRACKERS)
  })

  const bad: [string, string][] = [
    ['no scheme', `xt=urn:btih:${HEX}`],
    ['another scheme', `http://x/?xt=urn:btih:${HEX}`],
    ['no xt', 'magnet:?dn=x&tr=wss%3A%2F%2Fa'],
    ['only an unknown urn', 'magnet:?xt=urn:sha1:abc'],
    ['a short hex hash', `magnet:?xt=urn:btih:${HEX.slice(1)}`],
    ['a long hex hash', `magnet:?xt=urn:btih:${HEX}0`],
    ['a non-hex 40-char hash', `magnet:?xt=urn:btih:${'g'.repeat(40)}`],
    ['base32 with a bad character', `magnet:?xt=urn:btih:${B32.slice(0, 31)}1`],
    ['two different v1 hashes', `magnet:?xt=urn:btih:${HEX}&xt=urn:btih:${'0'.repeat(40)}`],
    ['two different v2 hashes', `magnet:?xt=urn:btmh:1220${V2}&xt=urn:btmh:1220${'b'.repeat(64)}`],
    ['a btmh that is not sha2-256', `magnet:?xt=urn:btmh:1114${V2}`],
    ['a short btmh', `magnet:?xt=urn:btmh:1220${V2.slice(2)}`],
    ['bad percent-encoding in dn', `magnet:?xt=urn:btih:${HEX}&dn=%E0%A4%A`],
    ['bad percent-encoding in tr', `magnet:?xt=urn:btih:${HEX}&tr=%zz`],
    ['bad percent-encoding in xt', `magnet:?xt=urn:btih:%${HEX}`],
    ['a lone surrogate escape', `magnet:?xt=urn:btih:${HEX}&dn=%ED%A0%80`],
    ['a bad so range', `magnet:?xt=urn:btih:${HEX}&so=1-`],
    ['a backwards so range', `magnet:?xt=urn:btih:${HEX}&so=5-2`],
    ['a huge so range', `magnet:?xt=urn:btih:${HEX}&so=0-4294967295`],
    ['an so with text', `magnet:?xt=urn:btih:${HEX}&so=a`],
    ['an over-long URI', `magnet:?xt=urn:btih:${HEX}&dn=${'x'.repeat(MAX_MAGNET_LENGTH)}`],
    ['too many parameters', `magnet:?xt=urn:btih:${HEX}${'&a=b'.repeat(2000)}`],
  ]
  for (const [what, uri] of bad) {
    it(`refuses ${what} with a MagnetError`, () => {
      expect(() => parseMagnet(uri)).toThrow(MagnetError)
    })
  }
})

describe('parseInfoHashInput', () => {
  it('reads bare hex and base32, trimmed', () => {
    expect(toHex(parseInfoHashInput(`  ${HEX.toUpperCase()}\n`)!)).toBe(HEX)
    expect(toHex(parseInfoHashInput(B32)!)).toBe(HEX)
  })
  it('returns null for anything else', () => {
    for (const s of ['', HEX.slice(1), `${HEX}00`, `magnet:?xt=urn:btih:${HEX}`, 'z'.repeat(40), '1'.repeat(32)]) {
      expect(parseInfoHashInput(s)).toBeNull()
    }
  })
})

describe('base32', () => {
  it('matches RFC 4648 test vectors (unpadded)', () => {
    const vectors: [string, string][] = [['f', 'MY'], ['fo', 'MZXQ'], ['foo', 'MZXW6'], ['foob', 'MZXW6YQ'], ['fooba', 'MZXW6YTB'], ['foobar', 'MZXW6YTBOI']]
    for (const [plain, encoded] of vectors) expect(base32Encode(new TextEncoder().encode(plain))).toBe(encoded)
    expect(new TextDecoder().decode(base32Decode('MZXW6YTB')!)).toBe('fooba')
  })
})

describe('formatMagnet', () => {
  it('writes the fields in magnet-uri order and encoding', () => {
    const uri = formatMagnet({
      infoHash: fromHex(HEX),
      name: 'a b+c',
      trackers: ['wss://t.example/announce'],
      webSeeds: ['https://w.example/f'],
      exactSources: [],
      select: [6, 0, 1, 2],
      peers: [],
    })
    expect(uri).toBe(`magnet:?xt=urn:btih:${HEX}&dn=a+b%2Bc&tr=wss%3A%2F%2Ft.example%2Fannounce&ws=https%3A%2F%2Fw.example%2Ff&so=0-2,6`)
  })

  it('composes so ranges', () => {
    expect(composeSelect([0, 2, 4, 5, 6])).toBe('0,2,4-6')
    expect(composeSelect([3])).toBe('3')
    expect(composeSelect([])).toBe('')
  })

  it('refuses a link without an info hash, or with a wrong-sized one', () => {
    const empty = { trackers: [], webSeeds: [], exactSources: [], peers: [] }
    expect(() => formatMagnet(empty)).toThrow(MagnetError)
    expect(() => formatMagnet({ ...empty, infoHash: new Uint8Array(19) })).toThrow(MagnetError)
    expect(() => formatMagnet({ ...empty, infoHashV2: new Uint8Array(20) })).toThrow(MagnetError)
    expect(() => formatMagnet({ ...empty, infoHash: new Uint8Array(20), name: 'bad \uD800' })).toThrow(MagnetError)
  })

  it('round-trips any link through parseMagnet (property)', () => {
    const url = fc.webUrl({ withQueryParameters: true, withFragments: true })
    const arbLink: fc.Arbitrary<MagnetLink> = fc
      .record({
        infoHash: fc.uint8Array({ minLength: 20, maxLength: 20 }),
        infoHashV2: fc.option(fc.uint8Array({ minLength: 32, maxLength: 32 }), { nil: undefined }),
        name: fc.option(fc.string({ unit: 'grapheme', maxLength: 40 }), { nil: undefined }),
        trackers: fc.uniqueArray(url, { maxLength: 5 }),
        webSeeds: fc.uniqueArray(url, { maxLength: 3 }),
        exactSources: fc.uniqueArray(url, { maxLength: 2 }),
        select: fc.option(fc.uniqueArray(fc.nat({ max: 50 }), { minLength: 1, maxLength: 10 }), { nil: undefined }),
        peers: fc.uniqueArray(fc.ipV4().map((ip) => `${ip}:6881`), { maxLength: 3 }),
      })
      .map((l) => ({ ...l, infoHashHex: toHex(l.infoHash), select: l.select?.sort((a, b) => a - b) }))
    fc.assert(
      fc.property(arbLink, (link) => {
        const back = parseMagnet(formatMagnet(link))
        expect(toHex(back.infoHash!)).toBe(toHex(link.infoHash!))
        expect(back.infoHashV2 && toHex(back.infoHashV2)).toBe(link.infoHashV2 && toHex(link.infoHashV2))
        expect(back.name).toBe(link.name)
        expect(back.trackers).toEqual(link.trackers)
        expect(back.webSeeds).toEqual(link.webSeeds)
        expect(back.exactSources).toEqual(link.exactSources)
        expect(back.select).toEqual(link.select)
        expect(back.peers).toEqual(link.peers)
      }),
      { numRuns: 300 },
    )
  })
})
