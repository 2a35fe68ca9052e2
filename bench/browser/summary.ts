import type { RunResult } from './result.ts'

// What the benchmark reports: per network condition and scenario, the median of every figure over
// the rounds with its spread; ratios taken per round (each swarmdrop run against the WebTorrent or
// raw run of the same round and condition: the pairs alternate, so slow drift of a shared machine
// falls on both sides) and their median; and issue 10's goals checked against those medians.

export interface Spread {
  median: number
  min: number
  max: number
  n: number
}

export function spreadOf(xs: number[]): Spread | null {
  if (xs.length === 0) return null
  const s = [...xs].sort((a, b) => a - b)
  const mid = s.length >> 1
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
  return { median, min: s[0]!, max: s[s.length - 1]!, n: s.length }
}

/** One run's figures, per MiB where it is CPU. */
export interface RunFigures {
  mbPerS: number
  seconds: number
  firstPieceMs: number | undefined
  /** Chromium CPU ms per MiB moved: the leecher's browser, the seeders' (summed), both together. */
  cpuLeecher: number
  cpuSeeders: number
  cpuBoth: number
  /** The relay process's CPU ms per MiB (network-condition runs; not in cpuBoth). */
  cpuRelay: number | undefined
}

export function figuresOf(r: RunResult): RunFigures | null {
  if (!r.ok || r.mbPerS === undefined || r.seconds === undefined || !r.cpu) return null
  const perMiB = (s: number | undefined) => (s === undefined ? 0 : (s * 1000) / r.mib)
  return {
    mbPerS: r.mbPerS,
    seconds: r.seconds,
    firstPieceMs: r.firstPieceMs,
    cpuLeecher: perMiB(r.cpu.byRole['leecher']),
    cpuSeeders: perMiB(r.cpu.byRole['seeder']),
    cpuBoth: perMiB((r.cpu.byRole['leecher'] ?? 0) + (r.cpu.byRole['seeder'] ?? 0)),
    cpuRelay: r.relayCpuSeconds === undefined ? undefined : perMiB(r.relayCpuSeconds),
  }
}

export type Metric = keyof RunFigures

/** `<client> <seeders>->1` or `raw`. */
export function scenarioOf(r: RunResult): string {
  return r.name.startsWith('raw-datachannel') ? r.name.replace('raw-datachannel', 'raw') : `${r.name} ${r.seeders}->1`
}

export interface ScenarioSummary {
  condition: string
  scenario: string
  failed: number
  metrics: Partial<Record<Metric, Spread>>
}

export function summarize(results: RunResult[]): ScenarioSummary[] {
  const groups = new Map<string, RunResult[]>()
  for (const r of results) {
    const k = `${r.condition}\0${scenarioOf(r)}`
    groups.set(k, [...(groups.get(k) ?? []), r])
  }
  return [...groups.entries()].map(([k, rs]) => {
    const [condition = '', scenario = ''] = k.split('\0')
    const figs = rs.map(figuresOf).filter((f): f is RunFigures => f !== null)
    const metrics: Partial<Record<Metric, Spread>> = {}
    for (const m of ['mbPerS', 'seconds', 'firstPieceMs', 'cpuLeecher', 'cpuSeeders', 'cpuBoth', 'cpuRelay'] as Metric[]) {
      const s = spreadOf(figs.map((f) => f[m]).filter((x): x is number => typeof x === 'number'))
      if (s) metrics[m] = s
    }
    return { condition, scenario, failed: rs.length - figs.length, metrics }
  })
}

/** Per round, `a`'s metric over `b`'s (same condition), and their median and spread. */
export function pairedRatio(results: RunResult[], condition: string, a: string, b: string, metric: Metric, metricB: Metric = metric): Spread | null {
  const at = (scenario: string) => {
    const byRound = new Map<number, number>()
    for (const r of results) {
      if (r.condition !== condition || scenarioOf(r) !== scenario) continue
      const v = figuresOf(r)?.[scenario === b ? metricB : metric]
      if (typeof v === 'number') byRound.set(r.round ?? 0, v)
    }
    return byRound
  }
  const num = at(a)
  const den = at(b)
  const ratios: number[] = []
  for (const [round, x] of num) {
    const y = den.get(round)
    if (y !== undefined && y > 0) ratios.push(x / y)
  }
  return spreadOf(ratios)
}

export interface GoalCheck {
  goal: string
  measured: Spread | null
  /** The ratio the goal asks for, and on which side of it success lies. */
  target: number
  atMost: boolean
  met: boolean | null
}

const LOOPBACK = 'loopback'

/** Issue 10's goals (and issue 12's, when v2 runs are there), each a paired ratio checked at its median. */
export function checkGoals(results: RunResult[], conditions: string[]): GoalCheck[] {
  const goals: GoalCheck[] = []
  const add = (goal: string, measured: Spread | null, target: number, atMost: boolean) =>
    goals.push({ goal, measured, target, atMost, met: measured === null ? null : atMost ? measured.median <= target : measured.median >= target })
  const sd1 = 'swarmdrop 1->1'
  const wt1 = 'webtorrent 1->1'
  const has = (c: string) => conditions.includes(c)
  if (has(LOOPBACK)) {
    add('CPU per MiB, both peers: swarmdrop / WebTorrent (loopback, 1->1)', pairedRatio(results, LOOPBACK, sd1, wt1, 'cpuBoth'), 0.5, true)
    add('CPU per MiB, both peers: swarmdrop / raw channel (loopback, 1->1)', pairedRatio(results, LOOPBACK, sd1, 'raw', 'cpuBoth'), 1.5, true)
    add('MB/s 1->1: swarmdrop / raw channel (loopback)', pairedRatio(results, LOOPBACK, sd1, 'raw', 'mbPerS'), 0.85, false)
    add('MB/s 1->1: swarmdrop / WebTorrent (loopback)', pairedRatio(results, LOOPBACK, sd1, wt1, 'mbPerS'), 1.8, false)
    add('first verified piece: swarmdrop / WebTorrent (loopback, 1->1)', pairedRatio(results, LOOPBACK, sd1, wt1, 'firstPieceMs'), 0.5, true)
  }
  for (const c of conditions.filter((c) => c !== LOOPBACK)) {
    add(`MB/s 1->1: swarmdrop / WebTorrent (${c})`, pairedRatio(results, c, sd1, wt1, 'mbPerS'), 1.5, false)
    add(`MB/s: swarmdrop 3->1 / swarmdrop 1->1 (${c})`, pairedRatio(results, c, 'swarmdrop 3->1', sd1, 'mbPerS'), 1.5, false)
    if (!c.includes('loss')) add(`first verified piece: swarmdrop / WebTorrent (${c}, 1->1)`, pairedRatio(results, c, sd1, wt1, 'firstPieceMs'), 0.5, true)
  }
  // Issue 12: a v2-only transfer (`--meta-versions v2`: SHA-256 merkle checks, layers fetched) within
  // 10% of v1's MB/s, under every condition it ran in.
  for (const c of conditions) {
    if (results.some((r) => r.condition === c && scenarioOf(r) === 'swarmdrop[v2] 1->1')) {
      add(`MB/s 1->1: swarmdrop v2 / v1 (${c}, issue 12)`, pairedRatio(results, c, 'swarmdrop[v2] 1->1', sd1, 'mbPerS'), 0.9, false)
    }
  }
  return goals
}

/** For each swarmdrop variant (`--variant`): its CPU and MB/s over the default's, paired per round. */
export function variantRatios(results: RunResult[]): { condition: string; scenario: string; cpuBoth: Spread | null; mbPerS: Spread | null }[] {
  const out: { condition: string; scenario: string; cpuBoth: Spread | null; mbPerS: Spread | null }[] = []
  const seen = new Set<string>()
  for (const r of results) {
    const scenario = scenarioOf(r)
    if (!scenario.startsWith('swarmdrop[') || seen.has(`${r.condition}\0${scenario}`)) continue
    seen.add(`${r.condition}\0${scenario}`)
    const base = `swarmdrop ${r.seeders}->1`
    const c = r.condition ?? ''
    out.push({ condition: c, scenario, cpuBoth: pairedRatio(results, c, scenario, base, 'cpuBoth'), mbPerS: pairedRatio(results, c, scenario, base, 'mbPerS') })
  }
  return out
}
