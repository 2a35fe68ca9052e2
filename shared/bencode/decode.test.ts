import { describe, expect, it } from 'vitest'
import { decode, decodePrefix, decodeWithSpans } from './index.ts'
import { BencodeError } from '../errors.ts'
import { fromBinaryString, toBinaryString } from '../bytes.ts'

const b = (s: string): Uint8Array => fromBinaryString(s)

function rejects(input: string, offset?: number, message?: RegExp, options?: { maxDepth?: number; maxLength?: number }): BencodeError {
  let caught: unknown
  try {
    decode(b(input), options)
  } catch (e) {
    caught = e
  }
  expect(caught, `decode(${JSON.stringify(input.slice(0, 60))}) should throw`).toBeInstanceOf(BencodeError)
  const err = caught as BencodeError
  if (offset !== undefined) expect(err.offset).toBe(offset)
  if (message !== undefined) expect(err.message).toMatch(message)
  expect(err.offset).toBeGreaterThanOrEqual(0)
  return err
}

describe('decode: valid input', () => {
  it('reads integers, strings, lists and dicts', () => {
    expect(decode(b('i0e'))).toBe(0)
    expect(decode(b('i-42e'))).toBe(-42)
    expect(decode(b('i9007199254740991e'))).toBe(Number.MAX_SAFE_INTEGER)
    expect(decode(b('i-9007199254740991e'))).toBe(-Number.MAX_SAFE_INTEGER)
    expect(decode(b('0:'))).toEqual(new Uint8Array(0))
    expect(decode(b('4:spam'))).toEqual(b('spam'))
    expect(decode(b('l4:spami7ee'))).toEqual([b('spam'), 7])
    expect(decode(b('le'))).toEqual([])
    expect(decode(b('de'))).toEqual(new Map())
    const d = decode(b('d3:cow3:moo4:spaml1:a1:bee')) as Map<string, unknown>
    expect([...d.keys()]).toEqual(['cow', 'spam'])
    expect(d.get('spam')).toEqual([b('a'), b('b')])
  })

  it('keeps raw key bytes as a binary string', () => {
    const d = decode(b('d2:\xff\x00i1ee')) as Map<string, unknown>
    expect(d.get('\xff\x00')).toBe(1)
  })

  it('accepts unsorted keys (real torrents have them) and keeps them', () => {
    const d = decode(b('d1:bi1e1:ai2ee')) as Map<string, unknown>
    expect(d.get('a')).toBe(2)
    expect(d.get('b')).toBe(1)
  })

  it('decodePrefix returns the end of the first value and ignores what follows', () => {
    const input = b('d8:msg_typei1e5:piecei0eeRAW-PIECE-BYTES')
    const { value, end } = decodePrefix(input)
    expect(end).toBe(input.length - 'RAW-PIECE-BYTES'.length)
    expect((value as Map<string, unknown>).get('piece')).toBe(0)
  })

  it('decodeWithSpans gives the exact span of each top-level dict value', () => {
    const text = 'd8:announce3:url4:infod4:name1:xe1:zli1eee'
    const { spans } = decodeWithSpans(b(text))
    const info = spans.get('info')!
    expect(text.slice(info.start, info.end)).toBe('d4:name1:xe')
    const z = spans.get('z')!
    expect(text.slice(z.start, z.end)).toBe('li1ee')
    const a = spans.get('announce')!
    expect(text.slice(a.start, a.end)).toBe('3:url')
  })

  it('decoded byte strings are copies, not views of the input', () => {
    const input = b('3:abc')
    const v = decode(input) as Uint8Array
    input[2] = 0x7a
    expect(toBinaryString(v)).toBe('abc')
    // Node Buffers too, whose slice() would share memory; and values are plain Uint8Arrays.
    const buf = Buffer.from('3:abc', 'latin1')
    const w = decode(buf) as Uint8Array
    buf[2] = 0x7a
    expect(toBinaryString(w)).toBe('abc')
    expect(Buffer.isBuffer(w)).toBe(false)
  })
})

describe('decode: every negative case of the spec is a BencodeError with an offset', () => {
  it.each([
    ['ie', 1, /without digits/],
    ['i-e', 2, /without digits/],
    ['i-0e', 0, /negative zero/],
    ['i03e', 1, /leading zero/],
    ['i-03e', 2, /leading zero/],
    ['i00e', 1, /leading zero/],
    ['i12.3e', 3, /unexpected byte/],
    ['i1x', 2, /unexpected byte/],
    ['i 1e', 1, /without digits/],
    ['i+1e', 1, /without digits/],
    ['i--1e', 2, /without digits/],
    ['03:abc', 0, /leading zero/],
    ['00:', 0, /leading zero/],
    ['-3:abc', 0, /negative string length/],
    ['4:abc', 0, /past the end/],
    ['99999999999999999999999:abc', 0, /past the end/],
    ['18446744073709551616:x', 0, /past the end/],
    ['3abc', 1, /expected ":"/],
    ['3', 0, /past the end/],
    ['1', 1, /truncated/],
    ['', 0, /truncated/],
    ['i12', 3, /truncated/],
    ['l', 1, /truncated/],
    ['li1e', 4, /truncated/],
    ['d3:abc', 6, /truncated/],
    ['d', 1, /truncated/],
    ['i1ei2e', 3, /trailing bytes/],
    ['lee', 2, /trailing bytes/],
    ['4:spamX', 6, /trailing bytes/],
    ['di1ei2ee', 1, /key is not a byte string/],
    ['dle1:ae', 1, /key is not a byte string/],
    ['ddee', 1, /key is not a byte string/],
    ['d1:ae', 1, /key without a value/],
    ['d1:ai1e1:be', 7, /key without a value/],
    ['d1:ai1e1:ai2ee', 7, /duplicate/],
    ['d1:ai1e1:bi0e1:ai2ee', 13, /duplicate/],
    ['i9007199254740992e', 0, /safe-integer/],
    ['i-9007199254740992e', 0, /safe-integer/],
    ['i99999999999999999999999999e', 0, /safe-integer/],
    ['e', 0, /unexpected byte 0x65/],
    ['x', 0, /unexpected byte 0x78/],
    ['l:e', 1, /unexpected byte 0x3a/],
  ])('%j is rejected at %i', (input, offset, message) => {
    rejects(input, offset, message)
  })

  it('rejects nesting deeper than maxDepth (default 64) without blowing the stack', () => {
    const ok = 'l'.repeat(64) + 'e'.repeat(64)
    expect(() => decode(b(ok))).not.toThrow()
    rejects('l'.repeat(65) + 'e'.repeat(65), 64, /nesting deeper than 64/)
    rejects('l'.repeat(4), 3, /nesting deeper than 3/, { maxDepth: 3 })
    // A million opening brackets: an error, not a RangeError from recursion.
    rejects('l'.repeat(1_000_000), 64, /nesting/)
    rejects('d1:a'.repeat(100) + 'i1e' + 'e'.repeat(100), 256, /nesting/)
  })

  it('a huge maxDepth still cannot overflow the stack (the decoder does not recurse)', () => {
    const n = 200_000
    const v = decode(b('l'.repeat(n) + 'e'.repeat(n)), { maxDepth: n })
    expect(Array.isArray(v)).toBe(true)
  })

  it('rejects input larger than maxLength before parsing', () => {
    rejects('4:spam', 5, /larger than the limit of 5/, { maxLength: 5 })
    expect(decode(b('4:spam'), { maxLength: 6 })).toEqual(b('spam'))
  })

  it('rejects a string length that only fits because it overflows', () => {
    // 2^64 + 3: a decoder that wraps its length counter would read 3 bytes here.
    rejects('18446744073709551619:abc', 0, /past the end/)
  })

  it('decodePrefix also rejects bad and truncated values', () => {
    expect(() => decodePrefix(b('d1:ai1e'))).toThrow(BencodeError)
    expect(() => decodePrefix(b('i-0eXXXX'))).toThrow(BencodeError)
  })

  it('decodeWithSpans rejects trailing bytes', () => {
    expect(() => decodeWithSpans(b('dei1e'))).toThrow(BencodeError)
  })
})

// Cases from libtorrent's test/test_bdecode.cpp. Where libtorrent only flags a "soft error"
// (leading zeros, duplicate keys) we are stricter and reject; unsorted keys we accept as it does.
describe('decode: libtorrent test_bdecode cases', () => {
  it.each([
    ['d1:ai1e1:be', 7, /key without a value/], // dict_key_novalue
    ['di5e1:ae', 1, /key is not a byte string/], // dict_nonstring_key
    ['d2:aai1e2:aai2ee', 8, /duplicate/], // dict_duplicate_key (soft error there)
    ['e', 0, /unexpected byte/], // premature_e
    ['-10:foobar', 0, /negative string length/], // negative_length_prefix
    ['18446744073709551615:foobar', 0, /past the end/], // overflow_length_prefix
    ['99999999:foobar', 0, /past the end/], // close_overflow_length_prefix
    ['06:foobar', 0, /leading zero/], // leading_zero_length_prefix (soft error there)
    ['i35412-5633e', 6, /unexpected byte in an integer/], // interior_minus_int
    ['i18446744073709551615e', 0, /safe-integer/], // int_overflow (libtorrent: reads as 0)
    ['i184467440737095516154e', 0, /safe-integer/], // int_overflow2
    ['i9223372036854775807e', 0, /safe-integer/], // 64bit_int: beyond what a JS number holds exactly
    ['i-', 2, /truncated/], // int_truncated
    ['i01e', 1, /leading zero/], // int_leading_zero (soft error there)
    ['i92337203t854775807e', 9, /unexpected byte in an integer/], // int_invalid_digit
  ])('%j is rejected at %i', (input, offset, message) => {
    rejects(input, offset, message)
  })

  it('rejects the invalid_encoding buffer', () => {
    const buf = new Uint8Array([
      0x64, 0x31, 0x3a, 0x61, 0x64, 0x32, 0x3a, 0x69, 0x64, 0x32, 0x30, 0x3a, 0x2a, 0x21, 0x19, 0x89, 0x9f, 0xcd, 0x5f, 0xc9, 0xbc, 0x80,
      0xc1, 0x76, 0xfe, 0xe0, 0xc6, 0x84, 0x2d, 0xf6, 0xfc, 0xb8, 0x39, 0x3a, 0x69, 0x6e, 0x66, 0x6f, 0x5f, 0x68, 0x61, 0xae, 0x68, 0x32,
      0x30, 0x3a, 0x14, 0x78, 0xd5, 0xb0, 0xdc, 0xf6, 0x82, 0x42, 0x32, 0xa0, 0xd6, 0x88, 0xeb, 0x48, 0x57, 0x01, 0x89, 0x40, 0x4e, 0xbc,
      0x65, 0x31, 0x3a, 0x71, 0x39, 0x3a, 0x67, 0x65, 0x74, 0x5f, 0x70, 0x65, 0x65, 0x72, 0x78, 0xff, 0x3a, 0x74, 0x38, 0x3a, 0xaa, 0xd4,
      0xa1, 0x88, 0x7a, 0x8d, 0xc3, 0xd6, 0x31, 0x3a, 0x79, 0x31, 0xae, 0x71, 0x65, 0,
    ])
    expect(() => decode(buf)).toThrow(BencodeError)
  })

  it('accepts a key holding NUL and unsorted keys (dict_null_key, dict_unordered_keys)', () => {
    expect((decode(b('d3:a\x00bi1ee')) as Map<string, unknown>).get('a\x00b')).toBe(1)
    for (const input of ['d2:abi1e2:aai2ee', 'd2:bai1e2:aai2ee', 'd2:aai1e1:ai2ee']) {
      expect((decode(b(input)) as Map<string, unknown>).size).toBe(2)
    }
  })

  it('reads a 1,000,000-byte string exactly (string_prefix1)', () => {
    const input = new Uint8Array(1_000_008)
    input.set(b('1000000:'))
    expect((decode(input) as Uint8Array).length).toBe(1_000_000)
  })
})
