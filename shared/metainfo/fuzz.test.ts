import { describe, expect, it } from 'vitest'
import { parseInfo, parseTorrent, unsafeSegmentReason } from './index.ts'
import type { Metainfo } from './index.ts'
import { BencodeError, MetainfoError } from '../errors.ts'
import { encode } from '../bencode/index.ts'
import type { BEncodable } from '../bencode/index.ts'
import { mutate, Rng, Timer } from '../bencode/test-support/fuzz-tools.ts'
import { fixture, fixtureTorrentNames, nodeSha1Hex } from './test-support/fixtures.ts'
import { v2Parts, v2Torrent } from './test-support/v2-builder.ts'
import { makeData } from '../engine/test-support/make-torrent.ts'
import { fileTreeShape, rootFromPieceLayer } from '../merkle/index.ts'
import { toHex } from '../bytes.ts'
import { createHash } from 'node:crypto'

// Whatever the bytes, parseTorrent ends in a Metainfo that keeps every promise of the type, or in
// a BencodeError / MetainfoError; never anything else, and never slowly.

const MAX_MS_PER_INPUT = 50
const SEED = 0x7022_e47

function checkInvariants(m: Metainfo, input: Uint8Array): void {
  const fail = (why: string): never => {
    throw new Error(`accepted a torrent that breaks an invariant (${why}): ${JSON.stringify(Buffer.from(input).toString('latin1').slice(0, 300))}`)
  }
  const sha256Hex = createHash('sha256').update(m.infoBytes).digest('hex')
  const v2 = m.metaVersion !== 1
  if (m.infoHash.length !== 20 || m.infoHashHex !== (m.metaVersion === 2 ? sha256Hex.slice(0, 40) : nodeSha1Hex(m.infoBytes))) fail('info hash')
  if ((m.infoHashV1 === null) !== (m.metaVersion === 2) || (m.infoHashV2 === null) === v2) fail('v1/v2 hashes present')
  if (m.infoHashV2 !== null && toHex(m.infoHashV2) !== sha256Hex) fail('v2 info hash')
  if (m.pieceHashes.length !== (m.metaVersion === 2 ? 0 : 20 * m.pieceCount)) fail('piece hashes')
  if (m.pieceCount !== Math.ceil(m.length / m.pieceLength) || m.length <= 0 || m.pieceCount > 0x200000) fail('piece count')
  if (m.pieceLength < 1024 || m.pieceLength > 512 * 1024 * 1024) fail('piece length')
  if (v2 && (m.pieceLength < 16384 || (m.pieceLength & (m.pieceLength - 1)) !== 0)) fail('v2 piece length')
  if (unsafeSegmentReason(m.name) !== null) fail('name')
  let offset = 0
  for (const f of m.files) {
    if (f.offset !== offset || !Number.isSafeInteger(f.length) || f.length < 0) fail('file offsets')
    if (f.path.length === 0 || f.path.some((s) => unsafeSegmentReason(s) !== null)) fail('unsafe path')
    const real = !f.padding && f.length > 0
    // BEP 52: every real file of a v2 torrent starts a piece and has a 32-byte merkle root.
    if (v2 && real && (f.offset % m.pieceLength !== 0 || f.piecesRoot?.length !== 32)) fail('v2 file alignment or root')
    if (!v2 && f.piecesRoot !== undefined) fail('v1 file with a root')
    offset += f.length
  }
  if (offset !== m.length) fail('total length')
  for (const [rootHex, layer] of m.pieceLayers) {
    const file = m.files.find((f) => f.piecesRoot !== undefined && toHex(f.piecesRoot) === rootHex)
    if (file === undefined || toHex(rootFromPieceLayer(layer, fileTreeShape(file.length, m.pieceLength))) !== rootHex) fail('piece layer')
  }
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
    { info: { name: 'v2', 'meta version': 2, 'piece length': 16384, 'file tree': { x: { '': { length: 5 } } } } },
  ]
  // Valid v2 and hybrid torrents with piece layers, several files, padding, an empty file.
  const files = [
    { path: ['d', 'big'], data: makeData(70_000, 1) },
    { path: ['d', 'e'], data: new Uint8Array(0) },
    { path: ['small'], data: makeData(100, 2) },
  ]
  const v2 = [v2Parts(files, 16384, { name: 'v2' }), v2Parts(files, 32768, { name: 'h', hybrid: true }), v2Parts(files.slice(0, 1), 16384, { hybrid: true })]
  return [...fixtureTorrentNames().map(fixture), ...built.map(encode), ...v2.map((p) => v2Torrent(p))]
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

/** A random v2 (or hybrid) info dict: a file tree of random shape, roots and layers right or not. */
function randomV2Torrent(rng: Rng): Uint8Array {
  // Mostly sane, each field broken now and then: so inputs get past one check to the next.
  const rare = (): boolean => rng.int(25) === 0
  const int = (): BEncodable => (rare() ? rng.pick([-1, 2 ** 40, Number.MAX_SAFE_INTEGER, 'x']) : rng.pick([0, 1, 5, 16384, 16385, 32768, 100_000]))
  const key = (): string => (rare() ? rng.pick(['', '.', '..', 'a/b', '\u0000', 'x\\y']) : rng.pick(['a', 'b', 'c', 'é', '.pad', 'd']))
  const root = (): BEncodable => (rare() ? rng.pick([new Uint8Array(32), new Uint8Array(31), 'x']) : new Uint8Array(32).fill(1 + rng.int(200)))
  const node = (depth: number): BEncodable => {
    if (depth > 3 || (depth > 0 && rng.int(3) === 0) || (depth === 0 && rare())) {
      const props: Record<string, BEncodable | undefined> = { length: int(), 'pieces root': rare() ? undefined : root() }
      if (rare()) props.attr = rng.pick(['p', 'x', 'l', 'h'])
      return rare() ? { '': props, extra: {} } : { '': rare() ? int() : props }
    }
    const dir: Record<string, BEncodable> = {}
    for (let n = 1 + rng.int(3); n > 0; n--) dir[key()] = node(depth + 1)
    return dir
  }
  const info: Record<string, BEncodable | undefined> = {
    name: rare() ? rng.pick(['', '..']) : 't',
    'meta version': rare() ? rng.pick<BEncodable | undefined>([1, 3, undefined, '2']) : 2,
    'piece length': rare() ? rng.pick([8192, 49152]) : rng.pick([16384, 32768, 2 ** 20]),
    'file tree': rare() ? int() : node(0),
  }
  if (rng.int(8) === 0) {
    info.pieces = new Uint8Array(20 * rng.int(8))
    info.files = [{ length: int(), path: [key()] }, { attr: 'p', length: int(), path: ['.pad', '1'] }]
  }
  const layers = new Map<string, BEncodable>()
  for (let n = rng.int(3); n > 0; n--) {
    layers.set(String.fromCharCode(...new Uint8Array(32).fill(1 + rng.int(200))), rare() ? rng.pick([new Uint8Array(33), 7]) : new Uint8Array(32 * rng.int(5)))
  }
  return encode({ info, 'piece layers': rare() ? int() : layers })
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

  it('random v2 file trees and piece layers: 6,000 inputs', async () => {
    const rng = new Rng(SEED + 3)
    const v2Outcomes = { ok: 0, bencode: 0, metainfo: 0 }
    for (let i = 0; i < 6_000; i++) {
      const outcome = await check(randomV2Torrent(rng), timer)
      outcomes[outcome]++
      v2Outcomes[outcome]++
    }
    console.log('v2 fuzz outcomes', JSON.stringify(v2Outcomes))
    // The generator gets past the structure into the v2 checks, and some of its trees are valid.
    expect(v2Outcomes.ok).toBeGreaterThan(1000)
    expect(v2Outcomes.metainfo).toBeGreaterThan(1000)
  })

  it('parseInfo on mutated info dicts never throws anything untyped', async () => {
    const rng = new Rng(SEED + 2)
    const infos = (await Promise.all(['alice.torrent', 'numbers.torrent', 'lots-of-numbers.torrent'].map((f) => parseTorrent(fixture(f))))).map((m) => m.infoBytes)
    const v2Files = [{ path: ['a'], data: makeData(40_000, 3) }, { path: ['b'], data: makeData(10, 4) }]
    infos.push(encode(v2Parts(v2Files, 16384, { name: 'v2' }).info), encode(v2Parts(v2Files, 16384, { name: 'h', hybrid: true }).info))
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
    expect(timer.count).toBe(44_000)
    // Each outcome is reached often: the fuzzing gets past the bencode layer into the checks.
    expect(outcomes.ok).toBeGreaterThan(1000)
    expect(outcomes.metainfo).toBeGreaterThan(1000)
    expect(outcomes.bencode).toBeGreaterThan(1000)
    expect(retimed).toBeLessThan(MAX_MS_PER_INPUT)
  })
})
