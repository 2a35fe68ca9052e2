import { BLOCK_SIZE } from './limits.ts'

/**
 * The blocks of one piece being downloaded, and who sent each (by peer key, taken when the block
 * is written, so the sender can be blamed if the hash fails even after it disconnected). Only
 * pieces in flight have a buffer, and the picker bounds how many are in flight.
 */
export class PieceBuffer {
  readonly data: Uint8Array
  private readonly senders: (string | undefined)[]

  constructor(readonly index: number, size: number) {
    this.data = new Uint8Array(size)
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
