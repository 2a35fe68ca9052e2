import { describe, expect, it } from 'vitest'
import { parseIp, peerAddress } from './address.ts'

describe('parseIp', () => {
  it('reads dotted quads strictly', () => {
    expect(parseIp('192.0.2.1')).toEqual({ ip: '192.0.2.1', family: 4, bytes: '\xc0\x00\x02\x01' })
    for (const bad of ['1.2.3', '1.2.3.4.5', '01.2.3.4', '256.1.1.1', '1.2.3.4 ', '', 'localhost', '0x7f.0.0.1']) expect(parseIp(bad)).toBeNull()
  })

  it('maps IPv4-mapped IPv6 to IPv4 and writes IPv6 canonically, zone ids dropped', () => {
    expect(parseIp('::ffff:10.0.0.1')).toMatchObject({ ip: '10.0.0.1', family: 4 })
    expect(parseIp('::FFFF:0a00:0001')).toMatchObject({ ip: '10.0.0.1', family: 4 })
    expect(parseIp('2001:DB8:0:0::1')).toMatchObject({ ip: '2001:db8::1', family: 6 })
    expect(parseIp('fe80::1%eth0')).toMatchObject({ ip: 'fe80::1', family: 6 })
    expect(parseIp('2001:db8::1::2')).toBeNull()
  })

  it('builds BEP 23 and BEP 7 compact entries', () => {
    const v4 = parseIp('1.2.3.4')
    const v6 = parseIp('::1')
    if (v4 === null || v6 === null) throw new Error('parse')
    expect(Buffer.from(peerAddress(v4, 0x1ae1).compact, 'latin1').toString('hex')).toBe('010203041ae1')
    expect(Buffer.from(peerAddress(v6, 80).compact, 'latin1').toString('hex')).toBe('0'.repeat(30) + '01' + '0050')
  })
})
