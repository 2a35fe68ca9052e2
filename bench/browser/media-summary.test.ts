import { describe, expect, it } from 'vitest'
import { firstFrameTable, memoryTable, shareLinkTable } from './media-summary.ts'

describe('bench:media goals', () => {
  it('share link: the speed-up at every size and the 3 s bound at 1 GiB', () => {
    const { goals } = shareLinkTable([
      { name: 'swarmdrop', mib: 1024, ok: true, ms: 2500 },
      { name: 'webtorrent', mib: 1024, ok: true, ms: 10_000 },
    ])
    expect(goals.map((g) => [g.figure, g.met])).toEqual([
      ['4.0x', false],
      ['2500 ms', true],
    ])
  })

  it('memory: heap peak and RSS growth under the bound and below WebTorrent; a failed WebTorrent run is n/a', () => {
    const mem = (name: 'swarmdrop' | 'webtorrent', mib: number, heapPeak: number, rssBase: number, rssPeak: number, ok = true) => ({ name, mib, ok, heap: { base: 10e6, peak: heapPeak }, rss: { base: rssBase, peak: rssPeak } })
    const { goals } = memoryTable([mem('swarmdrop', 64, 40e6, 300e6, 420e6), mem('webtorrent', 64, 90e6, 300e6, 400e6), mem('swarmdrop', 128, 200e6, 300e6, 460e6), { name: 'webtorrent', mib: 128, ok: false, error: 'timeout' }])
    expect(goals.map((g) => g.met)).toEqual([true, true, true, false, false, false, null, null])
    expect(goals[3]!.figure).toBe('120 vs 100 MB')
  })

  it('first frame: the median of per-round ratios against half of WebTorrent', () => {
    const f = (name: 'swarmdrop' | 'webtorrent', round: number, firstFrameMs: number) => ({ name, round, ok: true, firstFrameMs, identical: true })
    const { goals } = firstFrameTable([f('swarmdrop', 1, 1000), f('webtorrent', 1, 4000), f('swarmdrop', 2, 3000), f('webtorrent', 2, 4000), f('swarmdrop', 3, 1500), f('webtorrent', 3, 3000)])
    expect(goals[0]!.met).toBe(true)
    expect(goals[0]!.figure).toBe('0.50 (0.25-0.75, 3 rounds)')
  })
})
