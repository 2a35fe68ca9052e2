import { ProtocolError } from '../errors.ts'

/** Which pieces a peer (or we) have. Bit order is BEP 3's: the high bit of byte 0 is piece 0. */
export class Bitfield {
  readonly bytes: Uint8Array
  private setCount = 0

  constructor(readonly length: number) {
    this.bytes = new Uint8Array(Math.ceil(length / 8))
  }

  /**
   * A peer's bitfield message. BEP 3: the byte length must fit the piece count exactly and the spare
   * bits at the end must be zero; anything else is a lying or broken peer.
   */
  static fromWire(bits: Uint8Array, length: number): Bitfield {
    const field = new Bitfield(length)
    if (bits.length !== field.bytes.length) {
      throw new ProtocolError(`bitfield of ${bits.length} bytes for ${length} pieces`)
    }
    const spare = field.bytes.length * 8 - length
    if (spare > 0 && ((bits[bits.length - 1] ?? 0) & ((1 << spare) - 1)) !== 0) {
      throw new ProtocolError('bitfield has spare bits set')
    }
    field.bytes.set(bits)
    field.setCount = 0
    for (const b of bits) field.setCount += popcount(b)
    return field
  }

  static full(length: number): Bitfield {
    const field = new Bitfield(length)
    for (let i = 0; i < length; i++) field.set(i)
    return field
  }

  has(index: number): boolean {
    if (index < 0 || index >= this.length) return false
    return ((this.bytes[index >> 3] ?? 0) & (0x80 >> (index & 7))) !== 0
  }

  /** Returns true when the bit was newly set. */
  set(index: number): boolean {
    if (index < 0 || index >= this.length || this.has(index)) return false
    this.bytes[index >> 3] = (this.bytes[index >> 3] ?? 0) | (0x80 >> (index & 7))
    this.setCount++
    return true
  }

  clear(index: number): void {
    if (!this.has(index)) return
    this.bytes[index >> 3] = (this.bytes[index >> 3] ?? 0) & ~(0x80 >> (index & 7))
    this.setCount--
  }

  count(): number {
    return this.setCount
  }

  isFull(): boolean {
    return this.setCount === this.length
  }

  isEmpty(): boolean {
    return this.setCount === 0
  }

  *indices(): Iterable<number> {
    for (let i = 0; i < this.length; i++) if (this.has(i)) yield i
  }

  toWire(): Uint8Array {
    return this.bytes.slice()
  }
}

function popcount(b: number): number {
  let n = 0
  for (let v = b; v; v &= v - 1) n++
  return n
}
