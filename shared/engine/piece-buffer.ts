import { BLOCK_SIZE } from './limits.ts'

/**
 * The blocks of one piece being downloaded, and who sent each (to blame them if the hash fails).
 * Only pieces in flight have a buffer, and the picker bounds how many are in flight.
 */
export class PieceBuffer {
  readonly data: Uint8Array
  private readonly senders: number[]

  constructor(readonly index: number, size: number) {
    this.data = new Uint8Array(size)
    this.senders = new Array<number>(Math.ceil(size / BLOCK_SIZE)).fill(-1)
  }

  write(begin: number, block: Uint8Array, sender: number): void {
    this.data.set(block, begin)
    this.senders[begin / BLOCK_SIZE] = sender
  }

  /** Distinct peers that sent blocks of this piece. */
  contributors(): Set<number> {
    return new Set(this.senders.filter((s) => s >= 0))
  }
}
