// Strict bencode decoder for untrusted input (BEP 3). It accepts exactly one canonical encoding
// per value, with two deliberate exceptions: dict keys out of order are accepted (real .torrent
// files have them and libtorrent only warns; the info hash is taken from the raw bytes anyway),
// and the encoder never produces them. Everything else the spec forbids is a BencodeError whose
// `offset` points at the offending byte. The `bencode` npm package is lenient (it accepts i-0e,
// leading zeros, trailing bytes, ...) and is not used here.
//
// No recursion: containers live on an explicit stack bounded by maxDepth, so hostile nesting costs
// an error, not a stack overflow. Work is linear in the input length.

import { BencodeError } from '../errors.ts'
import { toBinaryString } from '../bytes.ts'
import { DEFAULT_MAX_DEPTH, DEFAULT_MAX_LENGTH } from './types.ts'
import type { BDict, BValue, DecodeOptions, Span } from './types.ts'

const CH_0 = 0x30
const CH_9 = 0x39
const CH_COLON = 0x3a
const CH_MINUS = 0x2d
const CH_d = 0x64
const CH_e = 0x65
const CH_i = 0x69
const CH_l = 0x6c

type Frame =
  | { kind: 'list'; start: number; items: BValue[] }
  | { kind: 'dict'; start: number; map: BDict; key: string | null; keyOffset: number }

interface DecodeResult {
  value: BValue
  end: number
  /** Spans of the top-level dict's values by key (only when asked for and the top value is a dict). */
  spans: Map<string, Span>
}

/** Decode the whole input as one value; trailing bytes are an error. */
export function decode(bytes: Uint8Array, options?: DecodeOptions): BValue {
  const r = decodeAt(bytes, options, false)
  if (r.end !== bytes.length) throw new BencodeError('trailing bytes after the value', r.end)
  return r.value
}

/** Decode one value from the start of the input and say where it ended (BEP 9 data messages). */
export function decodePrefix(bytes: Uint8Array, options?: DecodeOptions): { value: BValue; end: number } {
  const r = decodeAt(bytes, options, false)
  return { value: r.value, end: r.end }
}

/**
 * Like `decode`, and also returns the exact byte span [start, end) of each value of the top-level
 * dict, keyed as in the dict: `bytes.subarray(spans.get('info').start, ...end)` is the info dict as
 * it appears in the file, which is what the info hash is computed over (BEP 3). Empty when the top
 * value is not a dict.
 */
export function decodeWithSpans(bytes: Uint8Array, options?: DecodeOptions): { value: BValue; spans: Map<string, Span> } {
  const r = decodeAt(bytes, options, true)
  if (r.end !== bytes.length) throw new BencodeError('trailing bytes after the value', r.end)
  return { value: r.value, spans: r.spans }
}

// Raw key bytes as a binary string. Keys are short: a plain loop beats spreading into fromCharCode.
function keyString(bytes: Uint8Array, start: number, end: number): string {
  if (end - start > 256) return toBinaryString(bytes.subarray(start, end))
  let s = ''
  for (let i = start; i < end; i++) s += String.fromCharCode(bytes[i]!)
  return s
}

function decodeAt(bytes: Uint8Array, options: DecodeOptions | undefined, wantSpans: boolean): DecodeResult {
  const maxDepth = options?.maxDepth ?? DEFAULT_MAX_DEPTH
  const maxLength = options?.maxLength ?? DEFAULT_MAX_LENGTH
  if (bytes.length > maxLength) {
    throw new BencodeError(`input of ${bytes.length} bytes is larger than the limit of ${maxLength}`, maxLength)
  }
  return new Decoder(bytes, maxDepth, wantSpans).run()
}

// One decode's state. A class rather than closures: V8 keeps its fields in registers-friendly
// shapes and no function objects are made per call.
class Decoder {
  private pos = 0
  private readonly len: number
  private readonly stack: Frame[] = []
  private readonly spans = new Map<string, Span>()
  // Set by readStringSpan: the [start, end) of the bytes just read.
  private strStart = 0
  private strEnd = 0

  constructor(
    private readonly bytes: Uint8Array,
    private readonly maxDepth: number,
    private readonly wantSpans: boolean,
  ) {
    this.len = bytes.length
  }

  private at(i: number): number {
    return i < this.len ? this.bytes[i]! : -1
  }

  private isDigitAt(i: number): boolean {
    const c = this.at(i)
    return c >= CH_0 && c <= CH_9
  }

  // Reads `<len>:<bytes>` at pos into strStart/strEnd and moves pos past them.
  private readStringSpan(): void {
    const start = this.pos
    const len = this.len
    if (this.at(this.pos) === CH_0 && this.isDigitAt(this.pos + 1)) throw new BencodeError('string length with a leading zero', this.pos)
    let n = 0
    while (this.isDigitAt(this.pos)) {
      n = n * 10 + (this.bytes[this.pos]! - CH_0)
      if (n > len) throw new BencodeError('string length runs past the end of the input', start)
      this.pos++
    }
    if (this.pos === len) throw new BencodeError('truncated input: string length without ":"', this.pos)
    if (this.bytes[this.pos] !== CH_COLON) throw new BencodeError('expected ":" after a string length', this.pos)
    this.pos++
    if (n > len - this.pos) throw new BencodeError(`string of ${n} bytes runs past the end of the input`, start)
    this.strStart = this.pos
    this.strEnd = this.pos + n
    this.pos += n
  }

  // Reads `i<int>e` at pos (pos is at the "i").
  private readInt(): number {
    const start = this.pos
    this.pos++
    let negative = false
    if (this.at(this.pos) === CH_MINUS) {
      negative = true
      this.pos++
    }
    const digitsStart = this.pos
    let n = 0
    while (this.isDigitAt(this.pos)) {
      n = n * 10 + (this.bytes[this.pos]! - CH_0)
      if (n > Number.MAX_SAFE_INTEGER) throw new BencodeError('integer outside the safe-integer range', start)
      this.pos++
    }
    const digits = this.pos - digitsStart
    if (this.pos === this.len) throw new BencodeError('truncated input inside an integer', this.pos)
    if (this.bytes[this.pos] !== CH_e) throw new BencodeError(digits === 0 ? 'integer without digits' : 'unexpected byte in an integer', this.pos)
    if (digits === 0) throw new BencodeError('integer without digits', this.pos)
    if (digits > 1 && this.bytes[digitsStart] === CH_0) throw new BencodeError('integer with a leading zero', digitsStart)
    if (negative && n === 0) throw new BencodeError('negative zero integer', start)
    this.pos++
    return negative ? -n : n
  }

  run(): DecodeResult {
    const { bytes, stack } = this
    for (;;) {
      if (this.pos >= this.len) throw new BencodeError('truncated input', this.pos)
      const top = stack[stack.length - 1]
      const c = bytes[this.pos]!
      let value: BValue
      let valueStart = this.pos

      if (c === CH_e && top !== undefined) {
        if (top.kind === 'dict' && top.key !== null) throw new BencodeError('dict key without a value', top.keyOffset)
        this.pos++
        stack.pop()
        value = top.kind === 'list' ? top.items : top.map
        valueStart = top.start
      } else if (top !== undefined && top.kind === 'dict' && top.key === null) {
        // A dict expects a byte-string key here.
        if (c < CH_0 || c > CH_9) throw new BencodeError('dict key is not a byte string', this.pos)
        const keyOffset = this.pos
        this.readStringSpan()
        const key = keyString(bytes, this.strStart, this.strEnd)
        if (top.map.has(key)) throw new BencodeError('duplicate dict key', keyOffset)
        top.key = key
        top.keyOffset = keyOffset
        continue
      } else if (c === CH_i) {
        value = this.readInt()
      } else if (c >= CH_0 && c <= CH_9) {
        this.readStringSpan()
        // A copy, and a plain Uint8Array even when the input is a Node Buffer (whose slice() is a view).
        value = new Uint8Array(bytes.subarray(this.strStart, this.strEnd))
      } else if (c === CH_l || c === CH_d) {
        if (stack.length >= this.maxDepth) throw new BencodeError(`nesting deeper than ${this.maxDepth}`, this.pos)
        stack.push(c === CH_l ? { kind: 'list', start: this.pos, items: [] } : { kind: 'dict', start: this.pos, map: new Map(), key: null, keyOffset: this.pos })
        this.pos++
        continue
      } else if (c === CH_MINUS && this.isDigitAt(this.pos + 1)) {
        throw new BencodeError('negative string length', this.pos)
      } else {
        throw new BencodeError(`unexpected byte 0x${c.toString(16).padStart(2, '0')}`, this.pos)
      }

      // A value is complete: hand it to its container, or finish.
      const parent = stack[stack.length - 1]
      if (parent === undefined) return { value, end: this.pos, spans: this.spans }
      if (parent.kind === 'list') {
        parent.items.push(value)
      } else {
        const key = parent.key!
        parent.map.set(key, value)
        parent.key = null
        if (this.wantSpans && stack.length === 1) this.spans.set(key, { start: valueStart, end: this.pos })
      }
    }
  }
}
