// `npm run bench`: every benchmark, one after the other (never two at once on a 2-core machine),
// each comparing us with its anchor inside its own run. Each writes bench/results/<name>-<date>.json.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const benches = [
  { name: 'engine', script: 'bench/engine/main.ts', what: 'in-memory 1 -> 1 transfer: the engine\'s own cost' },
  { name: 'tracker', script: 'bench/tracker/main.ts', what: 'our tracker against bittorrent-tracker, same load' },
  { name: 'browser', script: 'bench/browser/main.ts', what: 'browser to browser in Chromium: swarmdrop against WebTorrent and a raw data channel' },
  { name: 'browser-transports', script: 'bench/browser/transports.ts', what: 'simple-peer (DataChannelTransport) against a bare RTCDataChannel' },
  { name: 'opfs-writes', script: 'bench/browser/opfs-writes.ts', what: 'OPFS piece writes: createWritable against the sync-access-handle worker' },
  { name: 'node', script: 'bench/node/main.ts', what: 'the Node peer: TCP against aria2c, WebRTC to a tab against tab to tab, memory seeding 4 GiB to 4 peers' },
  { name: 'hashing', script: 'bench/hashing/main.ts', what: 'piece verification cost per MiB: SHA-1 (v1) against SHA-256 merkle (v2, BEP 52) and both (hybrid), in Node and Chromium' },
  { name: 'wire-codec', script: 'bench/wire/codec-bench.ts', what: 'wire codec: encode/decode 16 KiB pieces, against bittorrent-protocol' },
  { name: 'wire-datachannel', script: 'bench/wire/datachannel-bench.ts', what: 'one send (header+block) or two per piece on a real data channel' },
]

let failed = 0
for (const b of benches) {
  if (!existsSync(`${root}/${b.script}`)) {
    console.log(`\n== ${b.name}: missing (${b.script})`)
    failed++
    continue
  }
  console.log(`\n== ${b.name}: ${b.what}`)
  const r = spawnSync(process.execPath, ['--import', 'tsx', b.script, ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' })
  if (r.status !== 0) {
    console.log(`== ${b.name}: FAILED (exit ${r.status})`)
    failed++
  }
}
process.exitCode = failed === 0 ? 0 : 1
