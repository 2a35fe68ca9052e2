import { describe, expect, it } from 'vitest'
import { clientName } from './peer-client.ts'

const hex = (ascii: string) => Buffer.from(ascii.padEnd(20, 'x'), 'latin1').toString('hex')

describe('clientName', () => {
  it('prefers the extended handshake v, cleaned and bounded', () => {
    expect(clientName(hex('-qB4620-'), 'swarmdrop 0.1')).toBe('swarmdrop 0.1')
    expect(clientName(null, 'Evil\u0000\u001b[31m' + 'x'.repeat(80))).toHaveLength(40)
  })

  it('reads Azureus-style peer ids', () => {
    expect(clientName(hex('-WW0201-'), null)).toMatch(/^WebTorrent/)
    expect(clientName(hex('-qB4620-'), null)).toMatch(/^qBittorrent 4\.6\.2/)
    expect(clientName(hex('-TR3000-'), null)).toMatch(/^Transmission 3\.00/)
  })

  it('knows our own prefix (which bittorrent-peerid reads as another client)', () => {
    expect(clientName(hex('-SD0100-'), null)).toBe('swarmdrop 0.1.0')
  })

  it('says Unknown for garbage and missing ids', () => {
    expect(clientName(null, null)).toBe('Unknown')
    expect(clientName('zz', null)).toBe('Unknown')
    expect(clientName('00'.repeat(20), '  ')).toBe('Unknown')
  })
})
