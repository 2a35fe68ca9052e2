// Codec micro-benchmarks (Node): `npx tsx bench/wire/codec-bench.ts`
// 1. a 16 KiB piece as one buffer (encodeMessage: alloc + copy) vs [header, block] (encodePieceParts);
// 2. WireDecoder throughput on a stream of 16 KiB piece messages in different chunkings, against
//    bittorrent-protocol's parser (WebTorrent's wire) fed the same chunks.
import { concatBytes } from '../../shared/bytes.ts'
import { WireDecoder } from '../../shared/wire/decoder.ts'
import { encodeHandshake, reservedFor } from '../../shared/wire/handshake.ts'
import { encodeMessage, encodePieceParts } from '../../shared/wire/encoder.ts'

const BLOCK = 16384
const block = new Uint8Array(BLOCK).map((_, i) => i & 0xff)

function timeIt(label: string, iterations: number, bytesPerIteration: number, fn: (i: number) => void): number {
  for (let i = 0; i < Math.min(iterations, 2000); i++) fn(i) // warm-up
  const t0 = performance.now()
  for (let i = 0; i < iterations; i++) fn(i)
  const ms = performance.now() - t0
  const mbps = (iterations * bytesPerIteration) / 1e6 / (ms / 1000)
  console.log(`${label.padEnd(58)} ${((ms * 1000) / iterations).toFixed(3).padStart(8)} µs/op  ${mbps.toFixed(0).padStart(6)} MB/s`)
  return ms
}

let sink = 0
console.log('-- encoding one 16 KiB piece message')
timeIt('encodeMessage (one 16397-byte buffer, block copied)', 200_000, BLOCK, (i) => {
  sink += encodeMessage({ type: 'piece', index: i, begin: 0, block }).length
})
timeIt('encodePieceParts ([13-byte header, block], no copy)', 200_000, BLOCK, (i) => {
  sink += encodePieceParts(i, 0, block)[0].length
})

// A stream: handshake then 64 MiB of piece messages (4096 blocks), built once.
const PIECES = 4096
const handshake = encodeHandshake({ infoHash: new Uint8Array(20), peerId: new Uint8Array(20), reserved: reservedFor({ fast: true, extended: true }) })
const parts: Uint8Array[] = []
for (let i = 0; i < PIECES; i++) parts.push(...encodePieceParts(i >> 4, (i & 15) * BLOCK, block))
const messagesBytes = concatBytes(parts)
const total = messagesBytes.length

function rechunk(size: number): Uint8Array[] {
  const out: Uint8Array[] = []
  for (let at = 0; at < total; at += size) out.push(messagesBytes.slice(at, at + size))
  return out
}
const chunkings: [string, Uint8Array[]][] = [
  ['WebTorrent-style: header and block as separate chunks', parts],
  ['16 KiB chunks, not aligned to messages', rechunk(16384)],
  ['1 MiB chunks', rechunk(1 << 20)],
  ['1 KiB chunks', rechunk(1024)],
]

console.log(`-- decoding ${PIECES} piece messages (${(total / 1048576).toFixed(0)} MiB)`)
for (const [label, chunks] of chunkings) {
  timeIt(`WireDecoder, ${label}`, 5, total, () => {
    const d = new WireDecoder()
    d.push(handshake)
    let n = 0
    for (const c of chunks) n += d.push(c).length
    if (n !== PIECES) throw new Error(`decoded ${n}`)
  })
}

const Wire = ((await import('bittorrent-protocol' as string)) as { default: new () => any }).default
for (const [label, chunks] of chunkings) {
  const t0 = performance.now()
  const rounds = 5
  for (let r = 0; r < rounds; r++) {
    const w = new Wire()
    let n = 0
    w.on('piece', () => n++)
    w.on('error', () => {})
    w.write(handshake)
    w.handshake('00'.repeat(20), '11'.repeat(20))
    for (const c of chunks) w.write(c)
    await new Promise<void>((resolve) => setImmediate(resolve))
    if (n !== PIECES) throw new Error(`bittorrent-protocol decoded ${n}`)
    w.destroy()
  }
  const ms = (performance.now() - t0) / rounds
  console.log(`${('bittorrent-protocol, ' + label).padEnd(58)} ${((ms * 1000) / 1).toFixed(0).padStart(8)} µs/run ${(total / 1e6 / (ms / 1000)).toFixed(0).padStart(6)} MB/s`)
}
if (sink === 42) console.log('')
