import { OpfsPieceStore, type BitfieldPersistence, type TorrentLayout } from '../lib/opfs-store.ts'
import type { BackendKind } from '../lib/opfs-file-backend.ts'

// Test-only helpers for e2e/lib-opfs.spec.ts: position-dependent test bytes (a byte written at the
// wrong offset or into the wrong file shows), an in-memory bitfield persistence, and the write bench.

/** Byte at torrent offset o: a multiplicative hash of o, so every position differs from its neighbours. */
export function patternAt(o: number): number {
  return (Math.imul(o + 1, 2654435761) >>> 24) & 0xff
}

export function pattern(offset: number, length: number): Uint8Array {
  const out = new Uint8Array(length)
  for (let i = 0; i < length; i++) out[i] = patternAt(offset + i)
  return out
}

/** First offset (relative) where `bytes` differs from the pattern at `offset`, or -1. */
export function mismatch(bytes: Uint8Array, offset: number): number {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== patternAt(offset + i)) return i
  return -1
}

export class MemoryPersistence implements BitfieldPersistence {
  saved: Uint8Array | null = null
  saves = 0
  async load(): Promise<Uint8Array | null> {
    return this.saved?.slice() ?? null
  }
  save(bits: Uint8Array): void {
    this.saved = bits.slice()
    this.saves++
  }
  async flush(): Promise<void> {}
}

/** Deterministic shuffle (so a failure reproduces). */
export function shuffled(n: number, seed = 1): number[] {
  const a = Array.from({ length: n }, (_, i) => i)
  let s = seed
  for (let i = n - 1; i > 0; i--) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0
    const j = s % (i + 1)
    ;[a[i], a[j]] = [a[j]!, a[i]!]
  }
  return a
}

/** Write every piece of a one-file torrent in shuffled order; returns MB/s of the writes alone. */
export async function benchWrites(kind: BackendKind, totalBytes: number, pieceLength: number, infoHashHex: string): Promise<number> {
  const layout: TorrentLayout = { infoHashHex, pieceLength, files: [{ path: ['bench.bin'], length: totalBytes }] }
  const store = await OpfsPieceStore.open(layout, { backend: kind, skipQuotaCheck: true })
  const piece = pattern(0, pieceLength)
  const order = shuffled(store.pieceCount)
  const started = performance.now()
  for (const i of order) await store.write(i, store.pieceSize(i) === pieceLength ? piece : piece.subarray(0, store.pieceSize(i)))
  await store.close() // includes the final flush: durable data is what we measure
  const ms = performance.now() - started
  return totalBytes / (ms / 1000) / 1e6
}
