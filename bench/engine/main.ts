// `npm run bench:engine`: the engine's own cost. One seeder and one leecher Torrent in this process,
// joined by an in-memory transport with no latency or bandwidth limit, move 256 MiB. Every piece is
// really SHA-1-verified on the leecher (node:crypto, and WebCrypto as the browser would); the
// seeder's store generates piece data instead of holding 256 MiB, and the leecher's store counts and
// discards verified pieces. Reports MB/s and CPU ms per MiB (both engines together: the figure a
// browser would pay is about half for each side). Anchors measured in the same run: SHA-1 alone over
// the same bytes (the floor no engine can beat) and webtorrent's bittorrent-protocol Wire moving the
// same blocks between two Wires (no picking, no verification: the wire alone).
import { createHash } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { fileURLToPath } from 'node:url'
import { encode } from '../../shared/bencode/index.ts'
import { webCryptoHasher } from '../../shared/hash.ts'
import { memoryPipe } from '../../shared/engine/adapters/memory-transport.ts'
import type { Clock, Hasher, PieceStore } from '../../shared/engine/ports.ts'
import { Torrent } from '../../shared/engine/torrent.ts'
import type { TorrentMeta } from '../../shared/engine/torrent-meta.ts'
import { wireAnchor } from './wire-anchor.ts'

const MiB = 1024 * 1024
const TOTAL = Number(process.env.BENCH_ENGINE_MIB ?? 256) * MiB
const PIECE = 256 * 1024
const PIECES = TOTAL / PIECE

/** Piece i: one random base piece with i written into its first 4 bytes (distinct hashes, no 256 MiB). */
const base = new Uint8Array(PIECE)
for (let i = 0; i < PIECE; i++) base[i] = (i * 2654435761) >>> 24
function firstBlock(index: number, length: number): Uint8Array {
  const b = base.slice(0, length)
  new DataView(b.buffer).setUint32(0, index)
  return b
}

class GeneratedStore implements PieceStore {
  async read(index: number, begin: number, length: number): Promise<Uint8Array> {
    return begin === 0 ? firstBlock(index, length) : base.subarray(begin, begin + length)
  }
  async write(): Promise<void> {}
  async verified(): Promise<Iterable<number>> {
    return Array.from({ length: PIECES }, (_, i) => i)
  }
}

class CountingStore implements PieceStore {
  bytes = 0
  pieces = 0
  async read(): Promise<Uint8Array> {
    throw new Error('the leecher serves nothing here')
  }
  async write(_index: number, data: Uint8Array): Promise<void> {
    this.bytes += data.length
    this.pieces++
  }
  async verified(): Promise<Iterable<number>> {
    return []
  }
}

function makeMeta(): TorrentMeta {
  const hashes = new Uint8Array(20 * PIECES)
  for (let i = 0; i < PIECES; i++) {
    const piece = base.slice()
    new DataView(piece.buffer).setUint32(0, i)
    hashes.set(createHash('sha1').update(piece).digest(), i * 20)
  }
  const infoBytes = encode({ length: TOTAL, name: 'bench.bin', 'piece length': PIECE, pieces: hashes })
  return { infoHash: new Uint8Array(createHash('sha1').update(infoBytes).digest()), length: TOTAL, pieceLength: PIECE, pieceCount: PIECES, pieceHashes: hashes, infoBytes }
}

/** Wall clock; a 0 ms timer is a setImmediate (Node clamps setTimeout to 1 ms). */
const clock: Clock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => (ms <= 0 ? { immediate: setImmediate(fn) } : setTimeout(fn, ms)),
  clearTimeout: (h) => {
    if (h && typeof h === 'object' && 'immediate' in h) clearImmediate((h as { immediate: NodeJS.Immediate }).immediate)
    else clearTimeout(h as NodeJS.Timeout)
  },
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (h) => clearInterval(h as NodeJS.Timeout),
}

const nodeHasher: Hasher = {
  sha1: async (d) => new Uint8Array(createHash('sha1').update(d).digest()),
  sha256: async (d) => new Uint8Array(createHash('sha256').update(d).digest()),
}

async function transfer(meta: TorrentMeta, hasherName: string, hasher: Hasher) {
  const peer = (c: string) => new TextEncoder().encode(`-SD0001-bench${c}`.padEnd(20, '.'))
  const seeder = await Torrent.open(meta, { store: new GeneratedStore(), hasher, clock }, { peerId: peer('S') })
  const store = new CountingStore()
  const leecher = await Torrent.open(meta, { store, hasher, clock }, { peerId: peer('L') })
  const done = new Promise<void>((resolve) => leecher.on((e) => e.type === 'done' && resolve()))
  if (global.gc) global.gc()
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  const [a, b] = memoryPipe(clock, { highWaterMark: 1 * MiB })
  seeder.addPeer(a)
  leecher.addPeer(b)
  await done
  const seconds = (performance.now() - t0) / 1000
  const cpu = process.cpuUsage(cpu0)
  const rss = process.memoryUsage().rss
  seeder.destroy()
  leecher.destroy()
  if (store.bytes !== TOTAL) throw new Error(`leecher stored ${store.bytes} bytes, expected ${TOTAL}`)
  const cpuMs = (cpu.user + cpu.system) / 1000
  return {
    hasher: hasherName,
    seconds: round(seconds, 3),
    MBps: round(TOTAL / 1e6 / seconds, 1),
    cpuMsPerMiB: round(cpuMs / (TOTAL / MiB), 3),
    cpuUserMs: round(cpu.user / 1000, 0),
    cpuSystemMs: round(cpu.system / 1000, 0),
    piecesVerified: store.pieces,
    rssMiB: round(rss / MiB, 0),
  }
}

function hashFloor(meta: TorrentMeta) {
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  for (let i = 0; i < meta.pieceCount; i++) {
    const piece = base.slice()
    new DataView(piece.buffer).setUint32(0, i)
    createHash('sha1').update(piece).digest()
  }
  const seconds = (performance.now() - t0) / 1000
  const cpu = process.cpuUsage(cpu0)
  return { MBps: round(TOTAL / 1e6 / seconds, 1), cpuMsPerMiB: round((cpu.user + cpu.system) / 1000 / (TOTAL / MiB), 3) }
}

function round(x: number, digits: number): number {
  const f = 10 ** digits
  return Math.round(x * f) / f
}

const meta = makeMeta()
console.log(`engine: ${TOTAL / MiB} MiB in ${PIECES} pieces of ${PIECE / 1024} KiB, 16 KiB blocks, in-memory 1 -> 1`)
const runs = [await transfer(meta, 'node:crypto', nodeHasher), await transfer(meta, 'WebCrypto', webCryptoHasher)]
const sha1 = hashFloor(meta)
const wire = await wireAnchor(TOTAL, PIECE)
console.log(`\n${'run'.padEnd(34)} ${'MB/s'.padStart(8)} ${'CPU ms/MiB'.padStart(11)} ${'seconds'.padStart(8)}`)
for (const r of runs) console.log(`${('swarmdrop engine, SHA-1 ' + r.hasher).padEnd(34)} ${String(r.MBps).padStart(8)} ${String(r.cpuMsPerMiB).padStart(11)} ${String(r.seconds).padStart(8)}`)
console.log(`${'anchor: SHA-1 alone (node:crypto)'.padEnd(34)} ${String(sha1.MBps).padStart(8)} ${String(sha1.cpuMsPerMiB).padStart(11)}`)
console.log(`${'anchor: bittorrent-protocol Wires'.padEnd(34)} ${String(wire.MBps).padStart(8)} ${String(wire.cpuMsPerMiB).padStart(11)} ${String(wire.seconds).padStart(8)}`)
console.log('(CPU covers both ends of the transfer, in one process; the data channel in a browser gives about 24 MB/s.)')

const date = new Date().toISOString().slice(0, 10)
const out = fileURLToPath(new URL(`../results/engine-${date}.json`, import.meta.url))
mkdirSync(fileURLToPath(new URL('../results/', import.meta.url)), { recursive: true })
writeFileSync(out, JSON.stringify({
  date: new Date().toISOString(), node: process.version, cores: cpus().length,
  settings: { bytes: TOTAL, pieceLength: PIECE, blockSize: 16384, transport: 'in-memory, no latency, 1 MiB high-water mark' },
  runs, anchors: { sha1NodeCrypto: sha1, bittorrentProtocolWires: wire },
}, null, 2) + '\n')
console.log(`\nwritten to ${out}`)
