import { describe, expect, it } from 'vitest'
import { TrustLedger } from './trust.ts'

const limits = { banTrustScore: -7, maxSoleHashFailures: 2, maxPeersScored: 3 }

describe('TrustLedger', () => {
  it('bans a peer that alone sent two bad pieces, not one that shared a bad piece once', () => {
    const t = new TrustLedger(limits)
    expect(t.pieceChecked(new Set(['a']), false)).toEqual([])
    expect(t.pieceChecked(new Set(['b', 'c']), false)).toEqual([])
    expect(t.pieceChecked(new Set(['a']), false)).toEqual(['a'])
  })

  it('good pieces offset shared blame; enough shared bad pieces still ban', () => {
    const t = new TrustLedger(limits)
    t.pieceChecked(new Set(['a', 'b']), true)
    const banned: string[] = []
    for (let i = 0; i < 4; i++) banned.push(...t.pieceChecked(new Set(['a', 'b']), false))
    // +1, then -2 four times: -7 reaches the ban score on the fourth.
    expect(banned).toEqual(['a', 'b'])
  })

  it('remembers at most maxPeersScored peers, forgetting the least recently scored', () => {
    const t = new TrustLedger(limits)
    t.pieceChecked(new Set(['old']), false)
    for (const k of ['x', 'y', 'z']) t.pieceChecked(new Set([k]), true)
    // 'old' was forgotten: its second sole failure counts as its first.
    expect(t.pieceChecked(new Set(['old']), false)).toEqual([])
    expect(t.pieceChecked(new Set(['old']), false)).toEqual(['old'])
  })
})
