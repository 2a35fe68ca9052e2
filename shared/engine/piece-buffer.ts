import { BLOCK_SIZE } from './limits.ts'

/**
 * The blocks of one piece being downloaded, and who sent each (by peer key, taken when the block
 * is written, so the sender can be blamed if the hash fails even after it disconnected). Only
 * pieces in flight have a buffer, and the picker bounds how many are in flight.
 */
export class PieceBuffer {
  readonly data: Uint8Array
  private readonly senders: (string | undefined)[]

  /** `data`: a spare buffer of exactly `size` bytes (PieceBufferPool), else a new one is made. */
  constructor(readonly index: number, size: number, data?: Uint8Array) {
    this.data = data?.length === size ? data : new Uint8Array(size)
    this.senders = new Array<string | undefined>(Math.ceil(size / BLOCK_SIZE))
  }

  write(begin: number, block: Uint8Array, sender: string): void {
    this.data.set(block, begin)
    this.senders[begin / BLOCK_SIZE] = sender
  }

  /** Who sent the 16 KiB block `block` (its key), if anyone did. */
  senderOf(block: number): string | undefined {
    return this.senders[block]
  }

  /** Distinct peers that sent blocks of this piece. */
  contributors(): Set<string> {
    const out = new Set<string>()
    for (const s of this.senders) if (s !== undefined) out.add(s)
    return out
  }
}

/**
 * Buffers of stored pieces, kept for the next pieces of the same size (up to `maxBytes` of them).
 * Every downloaded byte passes through one; a new one per piece is garbage that a browser's JS engine
 * collects late (a piece buffer lives long enough to be tenured, and tenured ArrayBuffer memory waits
 * for V8's external-memory limit, tens of MB), so reusing them keeps the leecher's JS heap near what
 * is in flight (e2e/app-memory). Given back only once the store has the bytes (PieceStore.write).
 */
export class PieceBufferPool {
  private readonly free: Uint8Array[] = []
  private freeBytes = 0

  constructor(private readonly maxBytes: number) {}

  take(index: number, size: number): PieceBuffer {
    const at = this.free.findIndex((d) => d.length === size)
    if (at < 0) return new PieceBuffer(index, size)
    const data = this.free.splice(at, 1)[0]!
    this.freeBytes -= data.length
    return new PieceBuffer(index, size, data)
  }

  give(buffer: PieceBuffer): void {
    if (this.freeBytes + buffer.data.length > this.maxBytes) return
    this.free.push(buffer.data)
    this.freeBytes += buffer.data.length
  }
}
