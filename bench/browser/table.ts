import type { TraceSummary } from './renderer-trace.ts'
import type { RunResult } from './result.ts'
import { figuresOf, type GoalCheck, type Metric, type ScenarioSummary, type Spread, type variantRatios } from './summary.ts'

// The printed report: one line per run as it finishes, then per condition and scenario the medians
// with their spread, then the goals beside the measured ratios.

const fmt = (x: number, digits: number) => x.toFixed(digits)

function spreadText(s: Spread | undefined, digits: number): string {
  if (!s) return '-'
  return s.n === 1 ? fmt(s.median, digits) : `${fmt(s.median, digits)} (${fmt(s.min, digits)}-${fmt(s.max, digits)})`
}

/** One line for a finished run. */
export function runLine(r: RunResult): string {
  const f = figuresOf(r)
  if (!f) return `FAILED: ${r.error}`
  const first = f.firstPieceMs === undefined ? '' : `, first piece ${f.firstPieceMs} ms`
  const rd = r.details?.['relay'] as { bytesPerPayload: number; lost: number; overflowed: number } | undefined
  const relay = f.cpuRelay === undefined ? '' : `, relay ${fmt(f.cpuRelay, 0)} (relayed ${rd?.bytesPerPayload ?? '?'} B per payload B, ${rd?.lost ?? '?'} lost, ${rd?.overflowed ?? '?'} overflowed)`
  const per = r.details?.['perSeederMiB'] as number[] | undefined
  const seeders = per && per.length > 1 ? `; MiB sent per seeder ${per.join('/')}` : ''
  return `${r.mbPerS} MB/s, ${r.seconds} s${first}; CPU ms/MiB leecher ${fmt(f.cpuLeecher, 0)}, seeder(s) ${fmt(f.cpuSeeders, 0)}, both ${fmt(f.cpuBoth, 0)}${relay}${seeders}`
}

export function printSummary(rows: ScenarioSummary[]): void {
  const cols: [string, Metric, number][] = [
    ['MB/s', 'mbPerS', 2],
    ['seconds', 'seconds', 1],
    ['first piece ms', 'firstPieceMs', 0],
    ['CPU ms/MiB leecher', 'cpuLeecher', 0],
    ['seeder(s)', 'cpuSeeders', 0],
    ['both', 'cpuBoth', 0],
    ['relay', 'cpuRelay', 0],
  ]
  const head = ['condition', 'run', 'n', ...cols.map((c) => c[0])]
  const body = rows.map((r) => [r.condition, r.scenario, `${r.metrics.mbPerS?.n ?? 0}${r.failed ? ` +${r.failed} failed` : ''}`, ...cols.map(([, m, d]) => spreadText(r.metrics[m], d))])
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)))
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ')
  console.log('\nmedians (min-max) over the rounds')
  console.log(line(head))
  for (const r of body) console.log(line(r))
}

export function printGoals(goals: GoalCheck[]): void {
  console.log('\ngoals: issue 10, and issue 12 (v2 / v1) with --meta-versions v2 (paired ratios per round: median (min-max))')
  const w = Math.max(...goals.map((g) => g.goal.length))
  for (const g of goals) {
    const measured = g.measured ? spreadText(g.measured, 2) : 'n/a'
    const verdict = g.met === null ? 'no data' : g.met ? 'met' : 'NOT met'
    console.log(`  ${g.goal.padEnd(w)}  ${measured.padEnd(18)}  goal ${g.atMost ? '<=' : '>='} ${g.target}  ${verdict}`)
  }
}

export function printVariants(rows: ReturnType<typeof variantRatios>): void {
  if (rows.length === 0) return
  console.log('\nvariants against the default swarmdrop (paired per round: median (min-max))')
  for (const r of rows) console.log(`  ${r.condition} ${r.scenario}: CPU both ${r.cpuBoth ? spreadText(r.cpuBoth, 2) : 'n/a'}x, MB/s ${r.mbPerS ? spreadText(r.mbPerS, 2) : 'n/a'}x`)
}

/** CPU by process and the busiest threads, per MiB. */
export function printCpu(r: RunResult): void {
  const cpu = r.cpu
  if (!cpu) return
  const perMiB = (s: number) => `${((s * 1000) / r.mib).toFixed(0)}`
  const procs = Object.entries(cpu.byProcess).filter(([, v]) => v >= 0.01).sort((a, b) => b[1] - a[1])
  console.log(`    CPU ms/MiB by process: ${procs.map(([k, v]) => `${k} ${perMiB(v)}`).join(', ')}`)
  console.log(`    threads ms/MiB (of which kernel): ${cpu.threads.slice(0, 14).map((t) => `${t.process}/${t.thread} ${perMiB(t.seconds)} (${perMiB(t.sysSeconds)})`).join(', ')}`)
}

export function printTrace(t: TraceSummary): void {
  console.log(`    trace (${t.windowMs} ms window), task self time by thread:`)
  for (const th of t.threads.slice(0, 12)) console.log(`      ${th.process}/${th.thread} ${th.tracedMs} ms: ${th.top.map((x) => `${x.label} ${x.ms}`).join(' | ')}`)
  console.log('    JS self time by thread (sampled, includes time blocked in synchronous calls):')
  for (const j of t.js.slice(0, 8)) console.log(`      ${j.process}/${j.thread} ${j.sampledMs} ms: ${j.top.map((x) => `${x.fn} ${x.ms}`).join(' | ')}`)
}
