import { describe, expect, it } from 'vitest'
import { parseInfo, parseTorrent, unsafeSegmentReason } from './index.ts'
import type { Metainfo } from './index.ts'
import { BencodeError, MetainfoError } from '../errors.ts'
import { encode } from '../bencode/index.ts'
import type { BEncodable } from '../bencode/index.ts'
import { mutate, Rng, Timer } from '../bencode/test-support/fuzz-tools.ts'
import { fixture, fixtureTorrentNames, nodeSha1Hex } from './test-support/fixtures.ts'

// Whatever the bytes, parseTorrent ends in a Metainfo that keeps every promise of the type, or in
// a BencodeError / MetainfoError; never anything else, and never slowly.

const MAX_MS_PER_INPUT = 50
const SEED = 0x7022_e47

function checkInvariants(m: Metainfo, input: Uint8Array): void {
  const fail = (why: string): never => {
    throw new Error(`accepted a torrent that breaks an invariant (${why}): ${JSON.stringify(Buffer.from(input).toString('latin1').slice(0, 300))}`)
  }
  if (m.infoHash.length !== 20 || m.infoHashHex !== nodeSha1Hex(m.infoBytes)) fail('info hash')
  if (m.pieceHashes.length !== 20 * m.pieceCount) fail('piece hashes')
  if (m.pieceCount !== Math.ceil(m.length / m.pieceLength) || m.length <= 0) fail('piece count')
  if (m.pieceLength < 1024 || m.pieceLength > 512 * 1024 * 1024) fail('piece length')
  if (unsafeSegmentReason(m.name) !== null) fail('name')
  let offset = 0
  for (const f of m.files) {
    if (f.offset !== offset || !Number.isSafeInteger(f.length) || f.length < 0) fail('file offsets')
    if (f.path.length === 0 || f.path.some((s) => unsafeSegmentReason(s) !== null)) fail('unsafe path')
    offset += f.length
  }
  if (offset !== m.length) fail('total length')
}

async function check(input: Uint8Array, timer: Timer): Promise<'ok' | 'bencode' | 'metainfo'> {
  const t0 = performance.now()
  let outcome: 'ok' | 'bencode' | 'metainfo'
  let m: Metainfo | undefined
  try {
    m = await parseTorrent(input)
    outcome = 'ok'
  } catch (e) {
    if (e instanceof BencodeError) outcome = 'bencode'
    else if (e instanceof MetainfoError) outcome = 'metainfo'
    else throw new Error(`parseTorrent threw ${String(e)} for ${JSON.stringify(Buffer.from(input).toString('latin1').slice(0, 300))}`)
  }
  timer.add(performance.now() - t0, () => parseTorrent(input))
  if (m !== undefined) checkInvariants(m, input)
  return outcome
}

/** Torrents to mutate: the fixtures plus hand-built ones exercising the other code paths. */
function pool(): Uint8Array[] {
  const built: BEncodable[] = [
    {
      announce: 'wss://t/a',
      'announce-list': [['wss://a', 'wss://b'], ['wss://c']],
      'url-list': ['https://s/'],
      comment: 'c',
      info: {
        name: 'multi',
        'piece length': 16384,
        pieces: new Uint8Array(40),
        files: [
          { length: 16000, path: ['a', 'b.txt'] },
          { length: 384, path: ['.pad', '384'], attr: 'p' },
          { length: 100, path: ['c'], 'path.utf-8': ['c'] },
        ],
        private: 1,
      },
    },
    {
      info: {
        name: 'hybrid',
        'meta version': 2,
        'file tree': { x: { '': { length: 5, 'pieces root': new Uint8Array(32) } } },
        'piece length': 16384,
        pieces: new Uint8Array(20),
        files: [{ length: 5, path: ['x'] }],
      },
      'piece layers': {},
    },
    { info: { name: 'v2', 'meta version': 2, 'piece length': 16384, 'file tree': { x: { '': { length: 5 } } } } },
  ]
  return [...fixtureTorrentNames().map(fixture), ...built.map(encode)]
}

/** A random info dict: each field present or not, of the right type or not, sane or not. */
function randomTorrent(rng: Rng): Uint8Array {
  const int = (): BEncodable => rng.pick([0, 1, -1, 16384, 32768, 1023, 2 ** 29, 2 ** 30, rng.int(100000), Number.MAX_SAFE_INTEGER])
  const str = (): BEncodable => rng.pick(['a', '', '.', '..', 'a/b', 'é', '\u0000', 'x\\y', 'normal name.txt', new Uint8Array([0xff, 0xfe])])
  const any = (): BEncodable => rng.pick([int(), str(), [], {}, [str()]])
  const maybe = (v: () => BEncodable): BEncodable | undefined => (rng.int(5) === 0 ? (rng.int(2) === 0 ? undefined : any()) : v())
  const nFiles = rng.int(4)
  const files = Array.from({ length: nFiles }, () => ({
    length: maybe(int),
    path: maybe(() => Array.from({ length: rng.int(3) }, str)),
    attr: rng.int(4) === 0 ? 'p' : undefined,
  }))
  const info: Record<string, BEncodable | undefined> = {
    name: maybe(str),
    'piece length': maybe(int),
    pieces: maybe(() => new Uint8Array(20 * rng.int(4) + (rng.int(6) === 0 ? 1 : 0))),
    length: rng.int(2) === 0 ? maybe(int) : undefined,
    files: rng.int(2) === 0 ? files : undefined,
    private: rng.int(3) === 0 ? any() : undefined,
  }
  return encode({ info: rng.int(20) === 0 ? any() : info, announce: maybe(str), 'url-list': maybe(str) })
}

describe('metainfo fuzz', () => {
  const timer = new Timer()
  const outcomes = { ok: 0, bencode: 0, metainfo: 0 }

  it('mutated real and hand-built torrents: 30,000 inputs', async () => {
    const rng = new Rng(SEED)
    const torrents = pool()
    for (const t of torrents) outcomes[await check(t, timer)]++ // unmutated too
    for (let i = torrents.length; i < 30_000; i++) {
      let input = rng.pick(torrents)
      for (let k = 1 + rng.int(3); k > 0; k--) input = mutate(rng, input, rng.pick(torrents))
      outcomes[await check(input, timer)]++
    }
  })

  it('random info dicts: 6,000 inputs', async () => {
    const rng = new Rng(SEED + 1)
    for (let i = 0; i < 6_000; i++) outcomes[await check(randomTorrent(rng), timer)]++
  })

  it('parseInfo on mutated info dicts never throws anything untyped', async () => {
    const rng = new Rng(SEED + 2)
    const infos = (await Promise.all(['alice.torrent', 'numbers.torrent', 'lots-of-numbers.torrent'].map((f) => parseTorrent(fixture(f))))).map((m) => m.infoBytes)
    for (let i = 0; i < 2_000; i++) {
      const input = mutate(rng, rng.pick(infos), rng.pick(infos))
      const t0 = performance.now()
      await parseInfo(input).catch((e: unknown) => {
        if (!(e instanceof BencodeError || e instanceof MetainfoError)) throw e
      })
      timer.add(performance.now() - t0, () => parseInfo(input))
    }
  })

  it(`every input ended typed, none took more than ${MAX_MS_PER_INPUT} ms`, async () => {
    const retimed = await timer.retimedMax()
    console.log(timer.report('metainfo fuzz', retimed), JSON.stringify(outcomes))
    expect(timer.count).toBe(38_000)
    // Each outcome is reached often: the fuzzing gets past the bencode layer into the checks.
    expect(outcomes.ok).toBeGreaterThan(1000)
    expect(outcomes.metainfo).toBeGreaterThan(1000)
    expect(outcomes.bencode).toBeGreaterThan(1000)
    expect(retimed).toBeLessThan(MAX_MS_PER_INPUT)
  })
})
