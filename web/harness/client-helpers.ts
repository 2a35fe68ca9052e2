import { loadAppConfig } from '../lib/app-config.ts'
import { Library } from '../lib/library.ts'
import { SwarmClient } from '../lib/swarm-client.ts'
import { sha256 } from '../../shared/hash.ts'
import { toHex } from '../../shared/bytes.ts'
import { sha256 as streamingSha256 } from '@noble/hashes/sha2.js'
import type { Limits } from '../../shared/engine/index.ts'

// Test-only: drive a SwarmClient (web/lib/swarm-client.ts) from e2e/lib-client.spec.ts.

/** `lanesPerPeer` (PeerPool's, not the engine's) rides along so a benchmark variant can turn lanes off. */
export async function startClient(limits: Partial<Limits> & { lanesPerPeer?: number } = {}): Promise<SwarmClient> {
  const { lanesPerPeer, ...engineLimits } = limits
  const client = new SwarmClient(await loadAppConfig(location.href), new Library(), location.href, { engineLimits, ...(lanesPerPeer !== undefined ? { lanesPerPeer } : {}) })
  window.scratch['client'] = client
  await client.resumeAll()
  return client
}

/** `size` pseudo-random bytes as a File (xorshift, so it is not compressible or repetitive). */
export function makeFile(name: string, size: number, seed: number): File {
  const parts: Uint8Array[] = []
  let x = seed | 1
  for (let at = 0; at < size; at += 1 << 20) {
    const n = Math.min(1 << 20, size - at)
    const chunk = new Uint8Array(n)
    const words = new Uint32Array(chunk.buffer, 0, n >> 2)
    for (let i = 0; i < words.length; i++) {
      x ^= x << 13
      x ^= x >>> 17
      x ^= x << 5
      words[i] = x >>> 0
    }
    parts.push(chunk)
  }
  return new File(parts as BlobPart[], name)
}

export async function sha256Hex(blob: Blob): Promise<string> {
  return toHex(await sha256(new Uint8Array(await blob.arrayBuffer())))
}

/** SHA-256 (hex) of a stream, chunk by chunk: for files too big to hold in memory (bench:media's GiBs). */
export async function sha256OfStream(stream: ReadableStream<Uint8Array>): Promise<string> {
  const h = streamingSha256.create()
  const reader = stream.getReader()
  for (;;) {
    const { value, done } = await reader.read()
    if (done) return toHex(h.digest())
    h.update(value)
  }
}

/** Resolves when the torrent is done, or rejects with its error; `onProgress` sees the view. */
export async function waitDone(hex: string, timeoutMs = 60_000): Promise<void> {
  const client = window.scratch['client'] as SwarmClient
  const until = Date.now() + timeoutMs
  for (;;) {
    const v = client.views().find((x) => x.infoHashHex === hex)
    if (v?.done) return
    if (v?.error) throw new Error(v.error)
    if (Date.now() > until) throw new Error(`not done: ${JSON.stringify(v)}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** Resolves when every piece of the torrent is in OPFS (a dropped file's background copy is done). */
export async function waitStored(hex: string, timeoutMs = 60_000): Promise<void> {
  const client = window.scratch['client'] as SwarmClient
  const until = Date.now() + timeoutMs
  for (;;) {
    const v = client.views().find((x) => x.infoHashHex === hex)
    if (v && v.pieceCount !== null && v.storedPieces === v.pieceCount && !v.fromFile) return
    if (v?.error) throw new Error(v.error)
    if (Date.now() > until) throw new Error(`not stored: ${JSON.stringify(v)}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** The files picked with the harness page's file input (Playwright's setInputFiles gives disk-backed Files). */
export function pickedFiles(): File[] {
  return [...((document.getElementById('pick') as HTMLInputElement).files ?? [])]
}
