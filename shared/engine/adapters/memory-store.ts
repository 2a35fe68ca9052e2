import type { PieceStore } from '../ports.ts'

/** Pieces held in memory, keyed by index: the store for tests and Node tools. */
export class MemoryStore implements PieceStore {
  readonly pieces = new Map<number, Uint8Array>()

  constructor(readonly pieceLength: number) {}

  /** A store that already has every piece of `data` (a seeder). */
  static seeded(data: Uint8Array, pieceLength: number): MemoryStore {
    const store = new MemoryStore(pieceLength)
    for (let i = 0; i * pieceLength < data.length; i++) {
      store.pieces.set(i, data.slice(i * pieceLength, (i + 1) * pieceLength))
    }
    return store
  }

  async read(index: number, begin: number, length: number): Promise<Uint8Array> {
    const piece = this.pieces.get(index)
    if (!piece || begin + length > piece.length) throw new RangeError(`piece ${index} not stored`)
    return piece.subarray(begin, begin + length)
  }

  async write(index: number, data: Uint8Array): Promise<void> {
    this.pieces.set(index, data.slice()) // lent: the engine reuses its buffer (ports.ts)
  }

  async verified(): Promise<Iterable<number>> {
    return [...this.pieces.keys()]
  }

  /** The whole content, in order (for tests comparing against the source). */
  contents(totalLength: number): Uint8Array {
    const out = new Uint8Array(totalLength)
    for (const [i, p] of this.pieces) out.set(p.subarray(0, Math.max(0, Math.min(p.length, totalLength - i * this.pieceLength))), i * this.pieceLength)
    return out
  }
}
