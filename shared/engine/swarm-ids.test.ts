import { describe, expect, it } from 'vitest'
import { answerHandshake, openingHandshake, type SwarmIds } from './swarm-ids.ts'

// The BEP 52 upgrade as libtorrent 2.0.8 does it (docs/spec/peer-wire.md): who sends which hash, and
// when a connection is v2.

const V1 = new Uint8Array(20).fill(1)
const V2 = new Uint8Array(20).fill(2)
const OTHER = new Uint8Array(20).fill(9)
const hybrid: SwarmIds = { primary: V1, v1: V1, v2: V2 }
const v2only: SwarmIds = { primary: V2, v1: null, v2: V2 }
const v1only: SwarmIds = { primary: V1, v1: V1, v2: null }

describe('swarm ids and the v2 upgrade (BEP 52)', () => {
  it('the dialler of a hybrid sends the v1 hash with the upgrade bit; the dialled side waits', () => {
    expect(openingHandshake(hybrid, true)).toEqual({ infoHash: V1, upgrade: true })
    expect(openingHandshake(hybrid, undefined)).toEqual({ infoHash: V1, upgrade: true })
    expect(openingHandshake(hybrid, false)).toBeNull()
    expect(openingHandshake(hybrid, true, V2)).toEqual({ infoHash: V2, upgrade: false })
    expect(openingHandshake(hybrid, true, OTHER)).toEqual({ infoHash: V1, upgrade: true })
    expect(openingHandshake(v2only, false)).toEqual({ infoHash: V2, upgrade: false })
    expect(openingHandshake(v1only, false)).toEqual({ infoHash: V1, upgrade: false })
  })

  it('the dialled side of a hybrid upgrades a v1 dialler with the bit, and answers each hash in kind', () => {
    expect(answerHandshake(hybrid, null, { infoHash: V1, upgrade: true })).toEqual({ accept: true, v2: true, reply: { infoHash: V2, upgrade: false } })
    expect(answerHandshake(hybrid, null, { infoHash: V1, upgrade: false })).toEqual({ accept: true, v2: false, reply: { infoHash: V1, upgrade: true } })
    expect(answerHandshake(hybrid, null, { infoHash: V2, upgrade: false })).toEqual({ accept: true, v2: true, reply: { infoHash: V2, upgrade: false } })
    expect(answerHandshake(hybrid, null, { infoHash: OTHER, upgrade: true })).toEqual({ accept: false })
  })

  it('the dialler is v2 only if the answer carries the v2 hash (a v1 answer with the bit stays v1)', () => {
    const sent = { infoHash: V1, upgrade: true }
    expect(answerHandshake(hybrid, sent, { infoHash: V2, upgrade: false })).toEqual({ accept: true, v2: true, reply: null })
    expect(answerHandshake(hybrid, sent, { infoHash: V1, upgrade: true })).toEqual({ accept: true, v2: false, reply: null })
  })

  it('a v2-only torrent is v2 on every connection; a v1 torrent never', () => {
    expect(answerHandshake(v2only, { infoHash: V2, upgrade: false }, { infoHash: V2, upgrade: false })).toMatchObject({ accept: true, v2: true })
    expect(answerHandshake(v2only, null, { infoHash: V1, upgrade: true })).toEqual({ accept: false })
    expect(answerHandshake(v1only, { infoHash: V1, upgrade: false }, { infoHash: V1, upgrade: true })).toMatchObject({ accept: true, v2: false })
  })
})
