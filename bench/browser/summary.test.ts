import { describe, expect, it } from 'vitest'
import type { RunResult } from './result.ts'
import { checkGoals, pairedRatio, spreadOf, summarize } from './summary.ts'

const run = (name: string, seeders: number, condition: string, round: number, mbPerS: number, leecher: number, seeder: number, firstPieceMs?: number): RunResult => ({
  name,
  seeders,
  mib: 10,
  ok: true,
  condition,
  round,
  mbPerS,
  seconds: 10 / mbPerS,
  ...(firstPieceMs === undefined ? {} : { firstPieceMs }),
  cpu: { totalSeconds: leecher + seeder, byRole: { leecher, seeder }, byProcess: {}, threads: [] },
})

describe('bench summary', () => {
  it('medians with spread, even and odd counts', () => {
    expect(spreadOf([3, 1, 2])).toEqual({ median: 2, min: 1, max: 3, n: 3 })
    expect(spreadOf([4, 1, 3, 2])).toEqual({ median: 2.5, min: 1, max: 4, n: 4 })
    expect(spreadOf([])).toBeNull()
  })

  it('keeps the raw baseline over several connections apart from the single one', () => {
    const rows = summarize([run('raw-datachannel', 1, '50ms', 0, 1, 1, 1), run('raw-datachannel x2', 1, '50ms', 0, 2, 1, 1)])
    expect(rows.map((r) => [r.scenario, r.metrics.mbPerS?.median])).toEqual([
      ['raw', 1],
      ['raw x2', 2],
    ])
  })

  it('pairs ratios by round and condition, and checks the goals at their medians', () => {
    const results = [
      run('swarmdrop', 1, 'loopback', 0, 4, 1, 1, 100),
      run('webtorrent', 1, 'loopback', 0, 2, 3, 2, 400),
      run('raw-datachannel', 1, 'loopback', 0, 5, 1, 0.5),
      run('swarmdrop', 1, 'loopback', 1, 3, 1.2, 1, 100),
      run('webtorrent', 1, 'loopback', 1, 3, 3, 1, 100),
      run('raw-datachannel', 1, 'loopback', 1, 4, 1, 0.5),
      // A failed run is counted as such and left out of every figure.
      { name: 'webtorrent', seeders: 1, mib: 10, ok: false, condition: 'loopback', round: 2, error: 'timeout' },
    ]
    // Rounds: 4/2 and 3/3.
    expect(pairedRatio(results, 'loopback', 'swarmdrop 1->1', 'webtorrent 1->1', 'mbPerS')).toEqual({ median: 1.5, min: 1, max: 2, n: 2 })
    const wt = summarize(results).find((s) => s.scenario === 'webtorrent 1->1')!
    expect(wt.failed).toBe(1)
    expect(wt.metrics.mbPerS?.n).toBe(2)
    // CPU both peers per MiB: swarmdrop 200 and 220 ms, WebTorrent 500 and 400: ratios 0.4 and 0.55.
    const goals = checkGoals(results, ['loopback'])
    const cpu = goals.find((g) => g.goal.startsWith('CPU per MiB, both peers: swarmdrop / WebTorrent'))!
    expect(cpu.measured?.median).toBeCloseTo(0.475)
    expect(cpu.met).toBe(true)
    const speed = goals.find((g) => g.goal === 'MB/s 1->1: swarmdrop / WebTorrent (loopback)')!
    expect(speed.met).toBe(false)
    const first = goals.find((g) => g.goal.startsWith('first verified piece'))!
    expect(first.measured?.median).toBeCloseTo((0.25 + 1) / 2)
    // No v2 runs: no issue 12 goal.
    expect(goals.some((g) => g.goal.includes('v2 / v1'))).toBe(false)
  })

  it('checks a v2 transfer against v1 in the same rounds (issue 12: within 10%)', () => {
    const results = [
      run('swarmdrop', 1, 'loopback', 0, 4, 1, 1),
      run('swarmdrop[v2]', 1, 'loopback', 0, 3.8, 1, 1),
      run('swarmdrop', 1, 'loopback', 1, 5, 1, 1),
      run('swarmdrop[v2]', 1, 'loopback', 1, 4, 1, 1),
    ]
    // Rounds: 0.95 and 0.8.
    const v2 = checkGoals(results, ['loopback']).find((g) => g.goal === 'MB/s 1->1: swarmdrop v2 / v1 (loopback, issue 12)')!
    expect(v2.measured?.median).toBeCloseTo(0.875)
    expect(v2.met).toBe(false)
  })
})
