import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { decode, encode } from './index.ts'
import type { BDict, BValue } from './index.ts'
import { bytesEqual, fromBinaryString, toBinaryString } from '../bytes.ts'

const text = (bytes: Uint8Array): string => toBinaryString(bytes)

describe('encode', () => {
  it('writes canonical bencode', () => {
    expect(text(encode(0))).toBe('i0e')
    expect(text(encode(-7))).toBe('i-7e')
    expect(text(encode('spam'))).toBe('4:spam')
    expect(text(encode('é'))).toBe('2:\xc3\xa9') // strings are UTF-8
    expect(text(encode(new Uint8Array([0, 255])))).toBe('2:\x00\xff')
    expect(text(encode([1, 'a', []]))).toBe('li1e1:alee')
    expect(text(encode({}))).toBe('de')
  })

  it('sorts dict keys as raw bytes, not as UTF-16 strings', () => {
    // U+FF61 sorts before U+10000 as UTF-16 (surrogates 0xD800..) but after it as UTF-8 bytes.
    const out = text(encode({ '\u{10000}': 1, '\uff61': 2, b: 3, a: 4, aa: 5 }))
    expect(out).toBe('d1:ai4e2:aai5e1:bi3e3:\xef\xbd\xa1i2e4:\xf0\x90\x80\x80i1ee')
  })

  it('treats Map keys as binary strings and object keys as UTF-8', () => {
    expect(text(encode(new Map([['\xff', 1], ['\x01', 2]])))).toBe('d1:\x01i2e1:\xffi1ee')
    expect(text(encode({ ÿ: 1 }))).toBe('d2:\xc3\xbfi1ee')
  })

  it('skips undefined object values', () => {
    expect(text(encode({ a: 1, b: undefined }))).toBe('d1:ai1ee')
  })

  it('refuses what it cannot encode exactly', () => {
    expect(() => encode(1.5)).toThrow(TypeError)
    expect(() => encode(2 ** 53)).toThrow(TypeError)
    expect(() => encode(NaN)).toThrow(TypeError)
    expect(() => encode(new Map([['\u0100', 1]]))).toThrow(TypeError)
    expect(() => encode(null as never)).toThrow(TypeError)
    const cycle: unknown[] = []
    cycle.push(cycle)
    expect(() => encode(cycle as never)).toThrow(TypeError)
  })

  it('grows its buffer for large values', () => {
    const big = new Uint8Array(1_000_000).fill(7)
    const out = encode([big, big])
    expect(out.length).toBe(2 + 2 * (8 + big.length))
    const back = decode(out) as Uint8Array[]
    expect(back.length).toBe(2)
    // (toEqual walks a million elements slowly; compare the bytes directly.)
    expect(back.every((v) => bytesEqual(v, big))).toBe(true)
  })
})

// Arbitrary BValues: safe integers, byte strings, lists and dicts with binary-string keys.
const bvalue: fc.Arbitrary<BValue> = fc.letrec<{ value: BValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.maxSafeInteger(),
    fc.uint8Array({ maxLength: 40 }),
    fc.array(tie('value'), { maxLength: 5 }),
    fc
      .uniqueArray(fc.tuple(fc.uint8Array({ maxLength: 8 }).map(toBinaryString), tie('value')), {
        maxLength: 5,
        selector: ([k]) => k,
      })
      .map((entries) => new Map(entries) as BDict),
  ),
})).value

function keysSorted(bytes: Uint8Array): boolean {
  // Re-decode and walk every dict: its keys, in the encoded order, must be strictly increasing.
  const walk = (v: BValue): boolean => {
    if (Array.isArray(v)) return v.every(walk)
    if (v instanceof Map) {
      const keys = [...v.keys()]
      for (let i = 1; i < keys.length; i++) {
        if (Buffer.compare(fromBinaryString(keys[i - 1]!), fromBinaryString(keys[i]!)) >= 0) return false
      }
      return [...v.values()].every(walk)
    }
    return true
  }
  return walk(decode(bytes))
}

describe('encode/decode properties', () => {
  it('decode(encode(x)) deep-equals x', () => {
    fc.assert(
      fc.property(bvalue, (x) => {
        const back = decode(encode(x))
        // Map equality in toEqual ignores order; sortedness is checked separately.
        expect(back).toEqual(x)
      }),
      { numRuns: 2000 },
    )
  })

  it('encode(decode(bytes)) reproduces canonical bytes exactly', () => {
    fc.assert(
      fc.property(bvalue, (x) => {
        const once = encode(x)
        expect(text(encode(decode(once)))).toBe(text(once))
      }),
      { numRuns: 1000 },
    )
  })

  it('encoded dicts always have strictly sorted keys (Map insertion order notwithstanding)', () => {
    fc.assert(
      fc.property(bvalue, (x) => keysSorted(encode(x))),
      { numRuns: 2000 },
    )
  })
})
