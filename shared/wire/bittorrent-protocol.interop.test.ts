// Interop with bittorrent-protocol (the wire WebTorrent runs over WebRTC): every message it writes,
// with the chunk boundaries it writes them in, decodes with ours; every message we write, it reads.
import { describe, expect, it } from 'vitest'
import { concatBytes, fromHex, toHex } from '../bytes.ts'
import { WireDecoder, type WireEvent } from './decoder.ts'
import { encodeMessage, encodePieceParts } from './encoder.ts'
import { decodeExtendedHandshake } from './extended.ts'
import { capabilitiesOf, encodeHandshake, reservedFor } from './handshake.ts'
import type { Message } from './messages.ts'
import { comparable } from './test-support/arbitraries.ts'

/** The slice of bittorrent-protocol's Wire used here (the package ships no types). */
interface TheirWire {
  hasFast: boolean
  on(event: string, listener: (...args: any[]) => void): void
  write(bytes: Uint8Array): boolean
  destroy(): void
  handshake(infoHash: string, peerId: string, extensions?: { fast?: boolean }): void
  keepAlive(): void
  choke(): void
  unchoke(): void
  interested(): void
  uninterested(): void
  have(index: number): void
  bitfield(bits: Uint8Array): void
  request(index: number, offset: number, length: number, cb: (err: Error | null) => void): void
  piece(index: number, offset: number, block: Uint8Array): void
  cancel(index: number, offset: number, length: number): void
  port(port: number): void
  suggest(index: number): void
  haveAll(): void
  haveNone(): void
  reject(index: number, offset: number, length: number): void
  allowedFast(index: number): void
  extended(ext: number, payload: Uint8Array): void
}

async function theirWire(): Promise<TheirWire> {
  const mod = (await import('bittorrent-protocol' as string)) as { default: new () => TheirWire }
  return new mod.default()
}

const INFO_HASH = 'd2474e86c95b19b8bcfdb92bc12c9d44667cfa36'
const THEIR_ID = '2d5757303330302d' + '00'.repeat(12)
const OUR_ID = '2d5344303130302d' + '11'.repeat(12)
const ourHandshake = () => encodeHandshake({ infoHash: fromHex(INFO_HASH), peerId: fromHex(OUR_ID), reserved: reservedFor({ extended: true, fast: true }) })
const tick = () => new Promise<void>((resolve) => setImmediate(resolve))

describe('bittorrent-protocol interop', () => {
  it('decodes everything its Wire sends, in the chunks it sends them', async () => {
    const wire = await theirWire()
    const chunks: Uint8Array[] = []
    wire.on('data', (c: Uint8Array) => chunks.push(new Uint8Array(c)))
    wire.on('error', () => {})
    wire.write(ourHandshake()) // our handshake first: the Wire then enables fast and extended
    wire.write(encodeMessage({ type: 'unchoke' })) // so that it may send a request
    await tick()
    wire.handshake(INFO_HASH, THEIR_ID, { fast: true })
    expect(wire.hasFast).toBe(true)
    const block = new Uint8Array(16384).map((_, i) => (i * 31) & 0xff)
    wire.keepAlive()
    // (the Wire sends choke/unchoke only on a change: it starts choking)
    wire.unchoke()
    wire.choke()
    wire.interested()
    wire.uninterested()
    wire.have(5)
    wire.bitfield(fromHex('ffe0'))
    wire.request(1, 16384, 16384, () => {})
    wire.piece(1, 16384, block)
    wire.cancel(1, 0, 16384)
    wire.port(6881)
    wire.suggest(3)
    wire.haveAll()
    wire.haveNone()
    wire.reject(2, 0, 16384)
    wire.allowedFast(4)
    wire.extended(3, fromHex('64313a6169316565'))
    await tick()
    wire.destroy()

    const decoder = new WireDecoder()
    const events: WireEvent[] = []
    for (const c of chunks) events.push(...decoder.push(c))
    expect(decoder.buffered()).toBe(0)
    const [hs, extHandshake, ...rest] = events
    expect(hs?.type).toBe('handshake')
    if (hs?.type !== 'handshake') return
    expect(toHex(hs.handshake.infoHash)).toBe(INFO_HASH)
    expect(toHex(hs.handshake.peerId)).toBe(THEIR_ID)
    expect(capabilitiesOf(hs.handshake.reserved)).toMatchObject({ extended: true, fast: true })
    // BEP 10: it sends its extended handshake right after, since our handshake set the bit.
    expect(extHandshake).toMatchObject({ type: 'extended', extId: 0 })
    if (extHandshake?.type === 'extended') expect(decodeExtendedHandshake(extHandshake.payload).m).toBeDefined()
    const expected: Message[] = [
      { type: 'keepAlive' },
      { type: 'unchoke' },
      { type: 'choke' },
      { type: 'interested' },
      { type: 'notInterested' },
      { type: 'have', index: 5 },
      { type: 'bitfield', bits: fromHex('ffe0') },
      { type: 'request', index: 1, begin: 16384, length: 16384 },
      { type: 'piece', index: 1, begin: 16384, block },
      { type: 'cancel', index: 1, begin: 0, length: 16384 },
      { type: 'port', port: 6881 },
      { type: 'suggest', index: 3 },
      { type: 'haveAll' },
      { type: 'haveNone' },
      { type: 'reject', index: 2, begin: 0, length: 16384 },
      { type: 'allowedFast', index: 4 },
      { type: 'extended', extId: 3, payload: fromHex('64313a6169316565') },
    ]
    expect(comparable(rest)).toEqual(comparable(expected))
  })

  it('reads everything we send, including a piece sent as [header, block]', async () => {
    const wire = await theirWire()
    const seen: unknown[] = []
    for (const name of ['choke', 'unchoke', 'interested', 'uninterested', 'have-all', 'have-none', 'keep-alive']) {
      wire.on(name, () => seen.push([name]))
    }
    for (const name of ['have', 'suggest', 'allowed-fast', 'port']) wire.on(name, (n: number) => seen.push([name, n]))
    for (const name of ['request', 'cancel', 'reject']) wire.on(name, (i: number, o: number, l: number) => seen.push([name, i, o, l]))
    wire.on('bitfield', (bits: { buffer: Uint8Array }) => seen.push(['bitfield', toHex(bits.buffer)]))
    wire.on('piece', (i: number, o: number, b: Uint8Array) => seen.push(['piece', i, o, toHex(b)]))
    wire.on('handshake', (infoHash: string, peerId: string, ext: { fast: boolean; extended: boolean }) =>
      seen.push(['handshake', infoHash, peerId, ext.fast, ext.extended]),
    )
    wire.on('error', () => {})
    wire.handshake(INFO_HASH, THEIR_ID, { fast: true })
    wire.unchoke() // so that our request is served, not rejected

    const block = fromHex('00112233445566778899')
    const stream = concatBytes([
      ourHandshake(),
      ...[
        { type: 'keepAlive' },
        { type: 'choke' },
        { type: 'unchoke' },
        { type: 'interested' },
        { type: 'notInterested' },
        { type: 'have', index: 5 },
        { type: 'bitfield', bits: fromHex('ffe0') },
        { type: 'request', index: 1, begin: 0, length: 16384 },
        { type: 'cancel', index: 1, begin: 0, length: 16384 },
        { type: 'port', port: 6881 },
        { type: 'suggest', index: 3 },
        { type: 'haveAll' },
        { type: 'haveNone' },
        { type: 'reject', index: 2, begin: 0, length: 16384 },
        { type: 'allowedFast', index: 4 },
      ].map((m) => encodeMessage(m as Message)),
      ...encodePieceParts(7, 32, block),
    ])
    // Fed in awkward pieces: 7 bytes at a time.
    for (let at = 0; at < stream.length; at += 7) wire.write(stream.slice(at, at + 7))
    await tick()
    const before = [...seen] // (destroy() itself emits uninterested and choke)
    wire.destroy()
    expect(before).toEqual([
      ['handshake', INFO_HASH, OUR_ID, true, true],
      ['keep-alive'],
      ['choke'],
      ['unchoke'],
      ['interested'],
      ['uninterested'],
      ['have', 5],
      ['bitfield', 'ffe0'],
      ['request', 1, 0, 16384],
      ['cancel', 1, 0, 16384],
      ['port', 6881],
      ['suggest', 3],
      ['have-all'],
      ['have-none'],
      ['reject', 2, 0, 16384],
      ['allowed-fast', 4],
      ['piece', 7, 32, toHex(block)],
    ])
  })
})
