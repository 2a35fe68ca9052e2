// `npx tsx bench/engine/slots.ts`: tunes the choker's upload slots by simulation. One seeder and
// ten leechers with equal uplinks (1 MB/s each, 25 ms latency) share 8 MiB; virtual time, so
// the figures are exact and repeatable. Reports mean and last completion time and the seeder's
// upload in copies of the data, for each slot count.
import { makeData, makeTorrent } from '../../shared/engine/test-support/make-torrent.ts'
import { Swarm } from '../../shared/engine/test-support/swarm.ts'

const data = makeData(8 * 1024 * 1024, 5)
const meta = await makeTorrent([{ name: 'slots.bin', data }], 65536)
console.log('slots  mean done (s)  last done (s)  seeder upload (copies)')
for (const slots of [1, 2, 4, 6, 10]) {
  const swarm = new Swarm(meta, { latencyMs: 25, bytesPerSecond: 1_000_000 })
  await swarm.add('seed', { seed: data, uplinkBytesPerSecond: 1_000_000, limits: { uploadSlots: slots } })
  const names = Array.from({ length: 10 }, (_, i) => `l${i}`)
  for (const n of names) await swarm.add(n, { uplinkBytesPerSecond: 1_000_000, limits: { uploadSlots: slots } })
  const doneAt = new Map<string, number>()
  for (const n of names) swarm.node(n).torrent.on((e) => e.type === 'done' && doneAt.set(n, swarm.clock.now()))
  swarm.connectAll(['seed', ...names])
  await swarm.run(() => doneAt.size === names.length, 3_600_000)
  const times = [...doneAt.values()]
  const seeded = swarm.node('seed').torrent.stats().uploaded
  const mean = times.reduce((a, b) => a + b, 0) / times.length / 1000
  console.log(`${String(slots).padStart(5)}  ${mean.toFixed(2).padStart(13)}  ${(Math.max(...times) / 1000).toFixed(2).padStart(13)}  ${(seeded / data.length).toFixed(2).padStart(22)}`)
  swarm.destroy()
}
