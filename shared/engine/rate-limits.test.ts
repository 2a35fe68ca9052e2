import { describe, expect, it } from 'vitest'
import { makeData, makeTorrent } from './test-support/make-torrent.ts'
import { Swarm } from './test-support/swarm.ts'
import { PIECE_STATE, pieceStates } from './stats.ts'
import { Bitfield } from './bitfield.ts'
import type { Downloader } from './downloader.ts'

// The person's controls over a running torrent, in simulated swarms (2 MB/s links): rate limits on
// both sides, file priorities, and the piece map they show.

describe('rate limits', () => {
  it('a download limit holds the leecher to it', async () => {
    const data = makeData(1024 * 1024, 3)
    const meta = await makeTorrent([{ name: 'a.bin', data }], 32768)
    const swarm = new Swarm(meta)
    await swarm.add('seed', { seed: data })
    const leech = await swarm.add('leech')
    leech.torrent.setRateLimits({ download: 128 * 1024 })
    swarm.connect('seed', 'leech')
    const t = await swarm.run(() => leech.torrent.isDone())
    // 1 MiB at 128 KiB/s: about 8 s (one second's burst at the start), where the link alone takes 0.5 s.
    expect(t).toBeGreaterThan(6_500)
    expect(t).toBeLessThan(12_000)
    swarm.destroy()
  })

  it('an upload limit holds the seeder to it', async () => {
    const data = makeData(512 * 1024, 4)
    const meta = await makeTorrent([{ name: 'b.bin', data }], 32768)
    const swarm = new Swarm(meta)
    const seed = await swarm.add('seed', { seed: data })
    seed.torrent.setRateLimits({ upload: 64 * 1024 })
    const leech = await swarm.add('leech')
    swarm.connect('seed', 'leech')
    const t = await swarm.run(() => leech.torrent.isDone())
    expect(t).toBeGreaterThan(6_000) // 512 KiB at 64 KiB/s: 8 s less the burst
    expect(t).toBeLessThan(11_000)
    seed.torrent.setRateLimits({ upload: 0 })
    swarm.destroy()
  })

  it('lifting a limit lets the transfer run at link speed again', async () => {
    const data = makeData(2 * 1024 * 1024, 5)
    const meta = await makeTorrent([{ name: 'c.bin', data }], 32768)
    const swarm = new Swarm(meta)
    await swarm.add('seed', { seed: data })
    const leech = await swarm.add('leech')
    leech.torrent.setRateLimits({ download: 32 * 1024 })
    swarm.connect('seed', 'leech')
    await swarm.run(() => swarm.clock.now() > 3_000)
    expect(leech.torrent.stats().downloaded).toBeLessThan(200 * 1024)
    leech.torrent.setRateLimits({ download: 0 })
    const t = await swarm.run(() => leech.torrent.isDone())
    expect(t).toBeLessThan(6_000)
    swarm.destroy()
  })
})

describe('file priorities and the piece map', () => {
  it('high files come first, skipped files never, and the map says so', async () => {
    // Three files of 4 pieces each (32 KiB pieces): skip the first, the last is high.
    const files = [0, 1, 2].map((k) => ({ name: `f${k}.bin`, data: makeData(4 * 32768, 10 + k) }))
    const meta = await makeTorrent(files, 32768)
    const swarm = new Swarm(meta, { latencyMs: 20, bytesPerSecond: 200_000 })
    await swarm.add('seed', { seed: new Uint8Array(Buffer.concat(files.map((f) => f.data))) })
    const leech = await swarm.add('leech', { limits: { randomFirstPieces: 0 } })
    leech.torrent.setFilePriorities([0, 1, 2])
    const order: number[] = []
    leech.torrent.on((e) => void (e.type === 'verified' && order.push(e.index)))
    expect([...leech.torrent.pieceStates()]).toEqual([4, 4, 4, 4, 0, 0, 0, 0, 0, 0, 0, 0].map((v) => (v === 4 ? PIECE_STATE.skipped : PIECE_STATE.missing)))
    swarm.connect('seed', 'leech')
    let sawInFlight = false
    const t = await swarm.run(() => {
      sawInFlight ||= leech.torrent.pieceStates().includes(PIECE_STATE.inFlight)
      return leech.torrent.isDone()
    })
    expect(t).toBeGreaterThan(0)
    expect(sawInFlight).toBe(true)
    // The high file's pieces (8..11) were all verified before any normal one (4..7).
    expect(order.slice(0, 4).sort((a, b) => a - b)).toEqual([8, 9, 10, 11])
    expect(order.sort((a, b) => a - b)).toEqual([4, 5, 6, 7, 8, 9, 10, 11])
    const states = [...leech.torrent.pieceStates()]
    expect(states.slice(0, 4)).toEqual(Array(4).fill(PIECE_STATE.skipped))
    expect(states.slice(4)).toEqual(Array(8).fill(PIECE_STATE.verified))
    swarm.destroy()
  })
})

describe('pieceStates', () => {
  it('reads verified, in flight, failed, skipped and missing from the picker and the failures', () => {
    const have = new Bitfield(5)
    have.set(0)
    const d = {
      picker: { pieceCount: 5, have, priority: Uint8Array.from([1, 1, 1, 0, 1]), inFlight: (i: number) => i === 1 },
      failedPieces: new Set([2, 1]),
    } as unknown as Downloader
    expect([...pieceStates(d)]).toEqual([PIECE_STATE.verified, PIECE_STATE.inFlight, PIECE_STATE.failed, PIECE_STATE.skipped, PIECE_STATE.missing])
    expect(pieceStates(null)).toHaveLength(0)
  })
})
