import { describe, expect, it } from 'vitest'
import { ProtocolError } from '../errors.ts'
import { fromHex, toHex } from '../bytes.ts'
import { capabilitiesOf, decodeHandshake, encodeHandshake, HANDSHAKE_LENGTH, reservedFor } from './handshake.ts'

const infoHash = fromHex('d2474e86c95b19b8bcfdb92bc12c9d44667cfa36')
const peerId = new TextEncoder().encode('-WW0300-abcdefghijkl')

describe('handshake', () => {
  it('encodes the BEP 3 layout byte for byte', () => {
    const bytes = encodeHandshake({ infoHash, peerId, reserved: reservedFor({ extended: true, fast: true }) })
    expect(bytes.length).toBe(HANDSHAKE_LENGTH)
    expect(toHex(bytes)).toBe(
      '13' +
        toHex(new TextEncoder().encode('BitTorrent protocol')) +
        '0000000000100004' +
        'd2474e86c95b19b8bcfdb92bc12c9d44667cfa36' +
        toHex(peerId),
    )
  })

  it('decodes what it encodes, into fresh copies', () => {
    const bytes = encodeHandshake({ infoHash, peerId, reserved: reservedFor({ dht: true }) })
    const h = decodeHandshake(bytes)
    expect(toHex(h.infoHash)).toBe(toHex(infoHash))
    expect(toHex(h.peerId)).toBe(toHex(peerId))
    expect(toHex(h.reserved)).toBe('0000000000000001')
    bytes.fill(0)
    expect(toHex(h.infoHash)).toBe(toHex(infoHash))
  })

  it('refuses a wrong pstrlen, protocol string or length', () => {
    const good = encodeHandshake({ infoHash, peerId, reserved: new Uint8Array(8) })
    const badLen = good.slice()
    badLen[0] = 18
    expect(() => decodeHandshake(badLen)).toThrow(/pstrlen 18/)
    const badName = good.slice()
    badName[5] = (badName[5] ?? 0) ^ 0x20
    expect(() => decodeHandshake(badName)).toThrow(ProtocolError)
    expect(() => decodeHandshake(good.subarray(0, 67))).toThrow(ProtocolError)
  })

  it('reads and writes the capability bits of BEP 10, BEP 6, BEP 5 and BEP 52', () => {
    expect(toHex(reservedFor({ extended: true }))).toBe('0000000000100000')
    expect(toHex(reservedFor({ fast: true }))).toBe('0000000000000004')
    expect(toHex(reservedFor({ dht: true }))).toBe('0000000000000001')
    expect(toHex(reservedFor({ v2: true }))).toBe('0000000000000010')
    expect(toHex(reservedFor({}))).toBe('0000000000000000')
    expect(capabilitiesOf(fromHex('0000000000100005'))).toEqual({ extended: true, fast: true, dht: true, v2: false })
    expect(capabilitiesOf(fromHex('ffffffffffefffeb'))).toEqual({ extended: false, fast: false, dht: true, v2: false })
    expect(capabilitiesOf(reservedFor({ extended: true, fast: true, dht: true, v2: true }))).toEqual({
      extended: true,
      fast: true,
      dht: true,
      v2: true,
    })
  })
})
