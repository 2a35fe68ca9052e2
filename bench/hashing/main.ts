// `npx tsx bench/hashing/main.ts [--mib N] [--piece-kib K] [--rounds R] [--no-browser]`: what verifying
// a piece costs, v1 (SHA-1) against v2 (BEP 52: SHA-256 of each 16 KiB leaf, then the merkle tree)
// and a hybrid (both), per MiB. In Node: WebCrypto as the engine calls it (shared/hash.ts, shared/merkle),
// and node:crypto's synchronous hashes as the anchor. In Chromium (one headless browser, the harness
// page): the same WebCrypto calls. Rounds alternate the variants; medians are printed with the ratio
// to SHA-1, CPU per MiB where it can be measured (Node: the process, all threads; Chromium: every
// process of the browser, from /proc). Writes bench/results/hashing-<date>.json.
import { createHash } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { MERKLE_BLOCK_SIZE, layerRoot } from '../../shared/merkle/index.ts'
import { buildHarness } from '../../e2e/lib-harness/build.ts'
import { serveStatic } from '../../e2e/lib-harness/servers.ts'
import { timeVariants, webCryptoVariants, type HashVariant, type VariantTiming } from '../../web/harness/hash-bench.ts'
import { benchPeer, closePeers } from '../browser/chromium.ts'
import { cpuMeter } from '../browser/proc-cpu.ts'

function arg(name: string, fallback: number): number {
  const at = process.argv.indexOf(name)
  return at >= 0 ? Number(process.argv[at + 1]) : fallback
}

const mib = arg('--mib', 64)
const pieceLength = arg('--piece-kib', 256) * 1024
const rounds = arg('--rounds', 3)
const browser = !process.argv.includes('--no-browser')

/** node:crypto, synchronous: the anchor (what a Node-only client would pay). */
function nodeCryptoVariants(): HashVariant[] {
  const leaves = pieceLength / MERKLE_BLOCK_SIZE
  const sha256Leaves = (p: Uint8Array) => {
    const out = new Uint8Array(leaves * 32)
    for (let i = 0; i < leaves; i++) out.set(createHash('sha256').update(p.subarray(i * MERKLE_BLOCK_SIZE, (i + 1) * MERKLE_BLOCK_SIZE)).digest(), i * 32)
    return layerRoot(out, leaves, 0)
  }
  return [
    { name: 'node:crypto SHA-1 (v1 piece)', hashPiece: (p) => createHash('sha1').update(p).digest() },
    { name: 'node:crypto SHA-256 merkle (v2 piece)', hashPiece: sha256Leaves },
  ]
}

function median(xs: number[]): number {
  if (xs.length === 0) return NaN
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}
const fmt = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '-')

function print(where: string, rows: VariantTiming[], baseline: string): void {
  const base = rows.find((r) => r.name === baseline)!
  console.log(`\n-- ${where}: ${mib} MiB in ${pieceLength / 1024} KiB pieces, ${rounds} rounds (medians)`)
  console.log(`${'variant'.padEnd(42)} ${'wall ms/MiB'.padStart(12)} ${'MB/s'.padStart(8)} ${'CPU ms/MiB'.padStart(11)} ${'wall x SHA-1'.padStart(13)} ${'CPU x SHA-1'.padStart(12)}`)
  for (const r of rows) {
    const wall = median(r.wallMsPerMiB)
    const cpu = median(r.cpuMsPerMiB)
    const mbps = 1.048576 / (wall / 1000)
    console.log(`${r.name.padEnd(42)} ${fmt(wall).padStart(12)} ${mbps.toFixed(0).padStart(8)} ${fmt(cpu).padStart(11)} ${fmt(wall / median(base.wallMsPerMiB)).padStart(13)} ${fmt(cpu / median(base.cpuMsPerMiB)).padStart(12)}`)
  }
}

const cpuNowMs = () => {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1000
}

const results: Record<string, VariantTiming[]> = {}
results['node webcrypto'] = await timeVariants(webCryptoVariants(pieceLength), { mib, pieceLength, rounds, cpuNowMs })
print('Node, WebCrypto (the engine\'s calls)', results['node webcrypto'], 'webcrypto SHA-1 (v1 piece)')
results['node crypto'] = await timeVariants(nodeCryptoVariants(), { mib, pieceLength, rounds, cpuNowMs })
print('Node, node:crypto (anchor)', results['node crypto'], 'node:crypto SHA-1 (v1 piece)')

if (browser) {
  const site = await serveStatic(await buildHarness())
  const peer = await benchPeer(site.url)
  try {
    // One page.evaluate per run, so the browser's CPU (all its processes, /proc) is read around each.
    const names = webCryptoVariants(pieceLength).map((v) => v.name)
    const rows: VariantTiming[] = names.map((name) => ({ name, wallMsPerMiB: [], cpuMsPerMiB: [] }))
    await peer.page.evaluate((m) => {
      ;(window as unknown as { hashSource: Uint8Array }).hashSource = window.swarmdropHarness.hashBench.benchSource(m)
    }, mib)
    for (const name of names) {
      await peer.page.evaluate(([n, pl]) => {
        const h = window.swarmdropHarness.hashBench
        return h.hashRun(h.webCryptoVariants(pl).find((x) => x.name === n)!, (window as unknown as { hashSource: Uint8Array }).hashSource, 2, pl)
      }, [name, pieceLength] as const) // warm-up
    }
    for (let round = 0; round < rounds; round++) {
      for (let k = 0; k < names.length; k++) {
        const at = (k + round) % names.length
        const cpu = cpuMeter()
        const r = await peer.page.evaluate(
          ([name, m, pl]) => {
            const h = window.swarmdropHarness.hashBench
            const v = h.webCryptoVariants(pl).find((x) => x.name === name)!
            return h.hashRun(v, (window as unknown as { hashSource: Uint8Array }).hashSource, m, pl)
          },
          [names[at]!, mib, pieceLength] as const,
        )
        rows[at]!.wallMsPerMiB.push(r.wallMs / r.mib)
        rows[at]!.cpuMsPerMiB.push((cpu().totalSeconds * 1000) / r.mib)
      }
    }
    results['chromium webcrypto'] = rows
    print('Chromium (page), WebCrypto (the engine\'s calls; CPU = the whole browser)', rows, 'webcrypto SHA-1 (v1 piece)')
  } finally {
    await closePeers([peer])
    await site.close()
  }
}

const dir = fileURLToPath(new URL('../results/', import.meta.url))
mkdirSync(dir, { recursive: true })
const file = `${dir}hashing-${new Date().toISOString().slice(0, 10)}.json`
writeFileSync(file, JSON.stringify({ mib, pieceLength, rounds, results }, null, 2))
console.log(`\nwrote ${file}`)
