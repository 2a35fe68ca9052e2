import { describe, expect, it } from 'vitest'
import { bytesEqual } from '../bytes.ts'
import { BLOCK_SIZE } from './limits.ts'
import type { PeerSession } from './peer-session.ts'
import { makeData, makeTorrent } from './test-support/make-torrent.ts'
import { Swarm } from './test-support/swarm.ts'

// A data-channel send costs about the same whatever its size, so with a deep pipeline the leecher
// sends its requests in batches, one transport write each (downloader.ts fill()).

describe('request batching', () => {
  it('sends a deep pipeline of requests in few writes, and the data arrives intact', async () => {
    const data = makeData(4 * 1024 * 1024, 7)
    const meta = await makeTorrent([{ name: 'b.bin', data }], 65536)
    const swarm = new Swarm(meta, { latencyMs: 20, bytesPerSecond: 2_000_000 })
    await swarm.add('seed', { seed: data })
    const leech = await swarm.add('leech')
    swarm.connect('seed', 'leech')
    const [session] = leech.torrent.sessions.values() as Iterable<PeerSession>
    if (!session) throw new Error('no session')
    let writes = 0
    let requests = 0
    let deepest = 0
    const write = session.transport.write.bind(session.transport)
    session.transport.write = (bytes) => {
      writes++
      return write(bytes)
    }
    const request = session.request.bind(session)
    session.request = (ref) => {
      requests++
      request(ref)
    }
    await swarm.run(() => {
      deepest = Math.max(deepest, session.outgoing.size)
      return leech.torrent.isDone()
    })
    expect(bytesEqual(leech.store.contents(meta.length), data)).toBe(true)
    expect(requests).toBeGreaterThanOrEqual(data.length / BLOCK_SIZE)
    expect(deepest).toBeGreaterThan(32)
    // One write per request without batching; every other write here is a have or interested.
    expect(writes).toBeLessThan(requests / 3)
  })
})
