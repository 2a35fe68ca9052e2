/// <reference lib="webworker" />
import { HASH_SIZE, pieceRoot } from '../../shared/merkle/index.ts'
import type { HashJob, HashReply } from './hash-pool.ts'

// One of the hash pool's workers (hash-pool.ts says why workers): SHA-1 of a run of pieces streamed
// straight from the source Blob (the dropped File objects, or a slice of them: the browser reads the
// disk, nothing passes through the page). One stream per job, not one read per piece: each
// Blob read is a round trip to the browser process (measured here: 256 KiB reads gave 160 MB/s,
// one stream of the same file 800 MB/s). One piece buffer, reused: WebCrypto copies its input
// when digest() is called (pieceRoot starts the digests of all of a piece's blocks before it awaits).

// Views of the worker's own piece buffer (an ArrayBuffer): WebCrypto reads them in place, no copy.
const sha256 = async (data: Uint8Array): Promise<Uint8Array> => new Uint8Array(await crypto.subtle.digest('SHA-256', data as Uint8Array<ArrayBuffer>))
const differs = (a: Uint8Array, b: Uint8Array, at: number): boolean => a.some((x, k) => x !== b[at + k])

async function run(job: HashJob): Promise<HashReply> {
  const hashes = new Uint8Array(job.sha1 ? (job.to - job.from) * 20 : 0)
  const roots = job.v2 ? new Uint8Array((job.to - job.from) * HASH_SIZE) : null
  const mismatched = new Set<number>()
  const begin = job.from * job.pieceLength
  const end = Math.min(job.to * job.pieceLength, job.totalLength)
  const piece = new Uint8Array(Math.min(job.pieceLength, end - begin))
  const digests: Promise<void>[] = []
  let index = job.from
  let filled = 0
  const finish = (length: number) => {
    const i = index++
    const at = (i - job.from) * 20
    if (job.sha1) {
      digests.push(
        crypto.subtle.digest('SHA-1', piece.subarray(0, length)).then((d) => {
          const digest = new Uint8Array(d)
          hashes.set(digest, at)
          if (job.expected && differs(digest, job.expected, at)) mismatched.add(i)
        }),
      )
    }
    if (job.v2 && roots) {
      // BEP 52: the file's bytes in the piece only; the padding after them is not hashed.
      const v2 = job.v2
      const k = i - job.from
      digests.push(
        pieceRoot(piece.subarray(0, v2.dataLengths[k]!), v2.leafWidths[k]!, sha256).then((root) => {
          roots.set(root, k * HASH_SIZE)
          if (v2.expected && differs(root, v2.expected, k * HASH_SIZE)) mismatched.add(i)
        }),
      )
    }
    filled = 0
  }
  const reader = job.source.slice(begin, end).stream().getReader()
  let got = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    got += value.byteLength
    for (let at = 0; at < value.byteLength; ) {
      const want = Math.min(job.pieceLength, job.totalLength - index * job.pieceLength) - filled
      const n = Math.min(want, value.byteLength - at)
      piece.set(value.subarray(at, at + n), filled)
      filled += n
      at += n
      if (n === want) finish(filled)
    }
  }
  if (got !== end - begin) throw new DOMException(`the file gave ${got} of ${end - begin} bytes (changed since it was picked?)`, 'NotReadableError')
  await Promise.all(digests)
  return { id: job.id, ok: true, hashes, roots, mismatched: [...mismatched].sort((a, b) => a - b) }
}

// Jobs run one after another (the pool queues a second so this worker never waits for the page):
// replies come in the order the jobs were sent, and memory stays at two pieces.
let chain: Promise<void> = Promise.resolve()
self.onmessage = (e: MessageEvent<HashJob>) => {
  chain = chain.then(async () => {
    let reply: HashReply
    try {
      reply = await run(e.data)
    } catch (err) {
      reply = { id: e.data.id, ok: false, error: err instanceof Error ? err.message : String(err), name: err instanceof Error ? err.name : 'Error' }
    }
    ;(self as unknown as DedicatedWorkerGlobalScope).postMessage(reply, reply.ok ? [reply.hashes.buffer as ArrayBuffer, ...(reply.roots ? [reply.roots.buffer as ArrayBuffer] : [])] : [])
  })
}
