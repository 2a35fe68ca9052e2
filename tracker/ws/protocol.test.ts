import { describe, expect, it } from 'vitest'
import { encodeAnnounceReply, encodeAnswer, encodeFailure, encodeOffer, isBinId, parseRequest, relayPrefix } from './protocol.ts'

const limits = { maxOffersPerAnnounce: 10, maxScrapeHashes: 255 }
const bin = (c: string) => c.repeat(20)
const parse = (m: unknown) => parseRequest(JSON.stringify(m), limits)

describe('parseRequest', () => {
  it('accepts binary-string ids with every byte value and round-trips them through the encoders', () => {
    const ih = Array.from({ length: 20 }, (_, i) => String.fromCharCode(i * 13)).join('')
    expect(isBinId(ih)).toBe(true)
    const r = parse({ action: 'announce', info_hash: ih, peer_id: bin('\u00ff'), left: 0 })
    expect(r).toMatchObject({ kind: 'announce', infoHash: ih, peerId: bin('\u00ff'), event: 'update', left: 0 })
    expect(JSON.parse(encodeAnnounceReply(ih, 120, 1, 2))).toEqual({ action: 'announce', interval: 120, info_hash: ih, complete: 1, incomplete: 2 })
    const offer = JSON.parse(encodeOffer(relayPrefix(ih, bin('p')), bin('o'), { type: 'offer', sdp: 'v=0\r\n"q"' }))
    expect(offer).toEqual({ action: 'announce', info_hash: ih, peer_id: bin('p'), offer_id: bin('o'), offer: { type: 'offer', sdp: 'v=0\r\n"q"' } })
    // Objects other than { type, sdp } are relayed whole.
    const odd = { type: 'answer', sdp: 'x', extra: [1, { a: '\u0000' }] }
    expect(JSON.parse(encodeAnswer(relayPrefix(ih, bin('p')), bin('o'), odd)).answer).toEqual(odd)
  })

  it('reads left: numbers and numeric strings; null, garbage and negatives are unknown (Infinity)', () => {
    const left = (v: unknown) => {
      const r = parse({ action: 'announce', info_hash: bin('i'), peer_id: bin('p'), left: v })
      return r.kind === 'announce' ? r.left : 'invalid'
    }
    expect(left(0)).toBe(0)
    expect(left('42')).toBe(42)
    expect(left(null)).toBe(Infinity)
    expect(left('abc')).toBe(Infinity)
    expect(left(-1)).toBe(Infinity)
    expect(left(undefined)).toBe(Infinity)
  })

  it('cuts offers to min(offers, numwant, limit)', () => {
    const offers = Array.from({ length: 30 }, (_, i) => ({ offer_id: bin(String.fromCharCode(65 + i)), offer: { type: 'offer', sdp: 'x' } }))
    const count = (numwant?: number) => {
      const r = parse({ action: 'announce', info_hash: bin('i'), peer_id: bin('p'), numwant, offers })
      return r.kind === 'announce' ? r.offers.length : -1
    }
    expect(count(3)).toBe(3)
    expect(count(undefined)).toBe(10)
    expect(count(50)).toBe(10)
    expect(count(0)).toBe(0)
  })

  it('maps events, with "empty" and absent as a periodic update', () => {
    for (const [ev, want] of [['started', 'started'], ['completed', 'completed'], ['stopped', 'stopped'], ['paused', 'paused'], ['empty', 'update'], [undefined, 'update']]) {
      expect(parse({ action: 'announce', info_hash: bin('i'), peer_id: bin('p'), event: ev })).toMatchObject({ event: want })
    }
  })

  it('builds failures that keep action and info_hash only when known', () => {
    expect(JSON.parse(encodeFailure('bad'))).toEqual({ 'failure reason': 'bad' })
    expect(JSON.parse(encodeFailure('bad', 'announce', bin('i')))).toEqual({ action: 'announce', info_hash: bin('i'), 'failure reason': 'bad' })
  })
})
