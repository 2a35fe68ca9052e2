import type { RunResult } from './result.ts'

// The printed summary and the ratios the benchmark exists for.

export function printTable(results: RunResult[]): void {
  const rows = results.map((r) => [
    `${r.name}${r.name === 'raw-datachannel' ? '' : ` ${r.seeders}->1`}`,
    r.ok ? String(r.mbPerS) : 'FAILED',
    r.seconds?.toFixed(2) ?? '-',
    r.firstPieceMs?.toString() ?? '-',
    r.ok && r.seconds && r.firstPieceMs !== undefined ? steady(r).toFixed(2) : '-',
    r.cpu ? `${r.cpu.totalSeconds.toFixed(1)} (${r.seconds ? (r.cpu.totalSeconds / r.seconds).toFixed(2) : '-'} cores)` : '-',
    r.cpu ? r.cpu.renderers.join('/') : '-',
    r.details?.['wasteRatio']?.toString() ?? '-',
    r.identical === undefined ? '-' : r.identical ? 'yes' : 'NO',
  ])
  const head = ['run', 'MB/s', 'seconds', 'first piece ms', 'MB/s after it', 'chromium CPU s', 'renderer CPU s', 'bytes/size', 'identical']
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ')
  console.log('\n' + line(head))
  for (const r of rows) console.log(line(r))
  for (const r of results) if (!r.ok) console.log(`  ${r.name} ${r.seeders}->1: ${r.error}`)
}

function best(results: RunResult[], name: string, seeders: number): number | null {
  const speeds = results.filter((r) => r.ok && r.name === name && r.seeders === seeders).map((r) => r.mbPerS ?? 0)
  return speeds.length === 0 ? null : Math.max(...speeds)
}

function ratio(a: number | null, b: number | null): number | null {
  return a === null || b === null || b === 0 ? null : Math.round((a / b) * 100) / 100
}

/** Best of each (rounds > 1 repeat every run); null when either side failed. */
export function ratiosOf(results: RunResult[]): Record<string, number | null> {
  const raw = best(results, 'raw-datachannel', 1)
  return {
    'swarmdrop/webtorrent 1->1': ratio(best(results, 'swarmdrop', 1), best(results, 'webtorrent', 1)),
    'swarmdrop/raw 1->1': ratio(best(results, 'swarmdrop', 1), raw),
    'webtorrent/raw 1->1': ratio(best(results, 'webtorrent', 1), raw),
    'swarmdrop/webtorrent 3->1': ratio(best(results, 'swarmdrop', 3), best(results, 'webtorrent', 3)),
  }
}

/** Rate from the first verified piece to done: the transfer without the start-up (tracker, metadata). */
function steady(r: RunResult): number {
  return (r.mib * 1048576) / 1e6 / (r.seconds! - r.firstPieceMs! / 1000)
}
