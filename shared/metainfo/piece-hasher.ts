// Hashes a byte stream piece by piece as chunks arrive, whatever their sizes and wherever files
// begin and end: only one piece is ever held in memory. SHA-1 per piece (BEP 3).

import { concatBytes } from '../bytes.ts'
import { sha1 } from '../hash.ts'

export class PieceHasher {
  private readonly piece: Uint8Array
  private filled = 0
  private readonly hashes: Uint8Array[] = []
  private hashedBytes = 0

  constructor(
    private readonly pieceLength: number,
    private readonly onProgress?: (hashedBytes: number) => void,
  ) {
    this.piece = new Uint8Array(pieceLength)
  }

  async update(chunk: Uint8Array): Promise<void> {
    let at = 0
    while (at < chunk.length) {
      const n = Math.min(this.pieceLength - this.filled, chunk.length - at)
      this.piece.set(chunk.subarray(at, at + n), this.filled)
      this.filled += n
      at += n
      if (this.filled === this.pieceLength) await this.flush()
    }
  }

  /** Hash the last, partial piece and return every hash concatenated. */
  async finish(): Promise<Uint8Array> {
    if (this.filled > 0) await this.flush()
    return concatBytes(this.hashes)
  }

  private async flush(): Promise<void> {
    // The digest must not see bytes of the next piece: it reads a copy of exactly this piece.
    this.hashes.push(await sha1(this.piece.slice(0, this.filled)))
    this.hashedBytes += this.filled
    this.filled = 0
    this.onProgress?.(this.hashedBytes)
  }
}
