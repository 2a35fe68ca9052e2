// Canonical bencode encoder (BEP 3): dict keys sorted as raw bytes, integers without leading zeros.
// Its input is our own data, so misuse (a non-safe integer, a key above U+00FF in a binary-key Map,
// a value of an unsupported type, a cycle) is a programming error and throws TypeError.

import { fromBinaryString, utf8 } from '../bytes.ts'
import type { BEncodable } from './types.ts'

// Nothing we build nests deeper than a handful of levels; this only turns an accidental cycle
// into an error instead of a stack overflow.
const MAX_ENCODE_DEPTH = 256

const CH_COLON = 0x3a

/** A growable byte buffer (doubling), so encoding is linear in the output size. */
class ByteWriter {
  private buf = new Uint8Array(256)
  private len = 0

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return
    let size = this.buf.length * 2
    while (size < this.len + n) size *= 2
    const next = new Uint8Array(size)
    next.set(this.buf.subarray(0, this.len))
    this.buf = next
  }

  byte(b: number): void {
    this.reserve(1)
    this.buf[this.len++] = b
  }

  ascii(s: string): void {
    this.reserve(s.length)
    for (let i = 0; i < s.length; i++) this.buf[this.len++] = s.charCodeAt(i)
  }

  bytes(b: Uint8Array): void {
    this.reserve(b.length)
    this.buf.set(b, this.len)
    this.len += b.length
  }

  result(): Uint8Array {
    return this.buf.slice(0, this.len)
  }
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return a[i]! - b[i]!
  }
  return a.length - b.length
}

function writeString(w: ByteWriter, b: Uint8Array): void {
  w.ascii(String(b.length))
  w.byte(CH_COLON)
  w.bytes(b)
}

function writeDict(w: ByteWriter, entries: Array<[Uint8Array, BEncodable]>, depth: number): void {
  entries.sort((x, y) => compareBytes(x[0], y[0]))
  w.ascii('d')
  for (const [key, value] of entries) {
    writeString(w, key)
    writeValue(w, value, depth + 1)
  }
  w.ascii('e')
}

function writeValue(w: ByteWriter, value: BEncodable, depth: number): void {
  if (depth > MAX_ENCODE_DEPTH) throw new TypeError(`bencode: nesting deeper than ${MAX_ENCODE_DEPTH} (a cycle?)`)
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new TypeError(`bencode: ${value} is not a safe integer`)
    w.ascii(`i${value}e`)
  } else if (typeof value === 'string') {
    writeString(w, utf8.encode(value))
  } else if (value instanceof Uint8Array) {
    writeString(w, value)
  } else if (Array.isArray(value)) {
    w.ascii('l')
    for (const item of value) writeValue(w, item, depth + 1)
    w.ascii('e')
  } else if (value instanceof Map) {
    const entries: Array<[Uint8Array, BEncodable]> = []
    for (const [k, v] of value) {
      if (typeof k !== 'string') throw new TypeError('bencode: Map keys must be binary strings')
      entries.push([fromBinaryString(k), v])
    }
    writeDict(w, entries, depth)
  } else if (typeof value === 'object' && value !== null) {
    const entries: Array<[Uint8Array, BEncodable]> = []
    for (const [k, v] of Object.entries(value)) {
      if (v !== undefined) entries.push([utf8.encode(k), v])
    }
    writeDict(w, entries, depth)
  } else {
    throw new TypeError(`bencode: cannot encode a value of type ${typeof value}`)
  }
}

/** Encode a value canonically: dict keys sorted as raw bytes; integers must be safe integers. */
export function encode(value: BEncodable): Uint8Array {
  const w = new ByteWriter()
  writeValue(w, value, 0)
  return w.result()
}
