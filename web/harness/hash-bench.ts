import { sha1, sha256 } from '../../shared/hash.ts'
import { MERKLE_BLOCK_SIZE, pieceRoot } from '../../shared/merkle/index.ts'

// The cost of verifying a piece, v1 against v2 (BEP 52), through the same WebCrypto calls the engine
// makes (shared/hash.ts, shared/merkle's pieceRoot: one SHA-256 per 16 KiB leaf, then the tree).
// Environment-neutral: bench/hashing/main.ts runs it in Node and, through the harness page, in
// Chromium. Pieces are hashed one after another, each awaited, as piece-verifier.ts does.

export interface HashVariant {
  name: string
  hashPiece(piece: Uint8Array): Promise<unknown> | unknown
}

export interface VariantTiming {
  name: string
  /** Wall milliseconds per MiB, one figure per round. */
  wallMsPerMiB: number[]
  /** CPU milliseconds per MiB (all threads of the process), when the caller can measure it. */
  cpuMsPerMiB: number[]
}

/** The engine's checks: v1's SHA-1, v2's merkle root over 16 KiB leaves, a hybrid's both; a bare SHA-256 for scale. */
export function webCryptoVariants(pieceLength: number): HashVariant[] {
  const leaves = pieceLength / MERKLE_BLOCK_SIZE
  return [
    { name: 'webcrypto SHA-1 (v1 piece)', hashPiece: (p) => sha1(p) },
    { name: 'webcrypto SHA-256 merkle (v2 piece)', hashPiece: (p) => pieceRoot(p, leaves, sha256) },
    { name: 'webcrypto both (hybrid piece)', hashPiece: (p) => Promise.all([sha1(p), pieceRoot(p, leaves, sha256)]) },
    { name: 'webcrypto SHA-256 of the whole piece', hashPiece: (p) => sha256(p) },
  ]
}

/** Random bytes to hash (at most 8 MiB: pieces cycle through it). */
export function benchSource(mib: number): Uint8Array {
  const source = new Uint8Array(Math.min(Math.ceil(mib), 8) * 1024 * 1024)
  for (let i = 0; i < source.length; i += 65536) crypto.getRandomValues(source.subarray(i, i + 65536))
  return source
}

/** Hash `mib` MiB of `source` as pieces of `pieceLength` with `v`; the MiB actually hashed and the wall ms. */
export async function hashRun(v: HashVariant, source: Uint8Array, mib: number, pieceLength: number): Promise<{ mib: number; wallMs: number }> {
  const pieces = Math.max(1, Math.floor((mib * 1024 * 1024) / pieceLength))
  const perSource = Math.max(1, Math.floor(source.length / pieceLength))
  await v.hashPiece(source.subarray(0, pieceLength)) // warm-up
  const t0 = performance.now()
  for (let i = 0; i < pieces; i++) {
    const from = (i % perSource) * pieceLength
    await v.hashPiece(source.subarray(from, from + pieceLength))
  }
  return { mib: (pieces * pieceLength) / (1024 * 1024), wallMs: performance.now() - t0 }
}

/**
 * Every variant `rounds` times, their order rotating each round (so load drifts fall on all of them
 * alike). `cpuNowMs` reads the process's CPU time (all threads), when the caller can.
 */
export async function timeVariants(variants: HashVariant[], o: { mib: number; pieceLength: number; rounds: number; cpuNowMs?: () => number }): Promise<VariantTiming[]> {
  const source = benchSource(o.mib)
  const out = variants.map((v) => ({ name: v.name, wallMsPerMiB: [] as number[], cpuMsPerMiB: [] as number[] }))
  for (const v of variants) await hashRun(v, source, Math.min(o.mib, 2), o.pieceLength) // warm-up: JIT, thread pools
  for (let round = 0; round < o.rounds; round++) {
    for (let k = 0; k < variants.length; k++) {
      const at = (k + round) % variants.length
      const cpu0 = o.cpuNowMs?.()
      const r = await hashRun(variants[at]!, source, o.mib, o.pieceLength)
      out[at]!.wallMsPerMiB.push(r.wallMs / r.mib)
      if (cpu0 !== undefined) out[at]!.cpuMsPerMiB.push((o.cpuNowMs!() - cpu0) / r.mib)
    }
  }
  return out
}
