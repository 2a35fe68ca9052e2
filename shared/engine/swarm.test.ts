import { describe, expect, it } from 'vitest'
import { bytesEqual } from '../bytes.ts'
import { makeData, makeTorrent } from './test-support/make-torrent.ts'
import { Swarm } from './test-support/swarm.ts'

describe('simulated swarms', () => {
  it('1 seeder -> 1 leecher: the leecher ends with the source bytes', async () => {
    const data = makeData(1_000_000 + 123, 7)
    const meta = await makeTorrent([{ name: 'a.bin', data }], 32768)
    const swarm = new Swarm(meta)
    await swarm.add('seed', { seed: data })
    const leech = await swarm.add('leech')
    swarm.connect('seed', 'leech')
    const t = await swarm.run(() => leech.torrent.isDone())
    expect(bytesEqual(leech.store.contents(meta.length), data)).toBe(true)
    // 1 MB at 2 MB/s plus latency: about half a second of virtual time.
    expect(t).toBeLessThan(5_000)
    swarm.destroy()
  })
})
