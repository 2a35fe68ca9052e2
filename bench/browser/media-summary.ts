import type { FirstFrameResult } from './first-frame-run.ts'
import type { LeecherMemoryResult } from './leecher-memory-run.ts'
import type { ShareLinkResult } from './share-link-run.ts'
import { spreadOf } from './summary.ts'

// bench:media's tables and issue 14's goals beside the figures (pure: bench/browser/media.ts prints
// them; media-summary.test.ts checks the arithmetic).

export const MEDIA_GOALS = {
  /** Drop to share link of 1 GiB, and at least this many times faster than WebTorrent's seed(). */
  shareLinkMsAt1GiB: 3000,
  shareLinkSpeedup: 5,
  /** Leecher memory, at every size: the page's JS heap at its peak, and the growth of the browser's anonymous RSS over the idle page. */
  memoryBytes: 150e6,
  /** Open link to first frame: at most this fraction of WebTorrent's. */
  firstFrameRatio: 0.5,
} as const

export interface GoalLine {
  goal: string
  figure: string
  met: boolean | null
}

const mb = (n: number) => (n / 1e6).toFixed(0)
const mark = (met: boolean | null) => (met === null ? 'n/a' : met ? 'met' : 'NOT met')

export function shareLinkTable(results: ShareLinkResult[]): { lines: string[]; goals: GoalLine[] } {
  const sizes = [...new Set(results.map((r) => r.mib))].sort((a, b) => a - b)
  const lines = ['| MiB | swarmdrop ms | WebTorrent ms | WebTorrent / swarmdrop |', '|---|---|---|---|']
  const goals: GoalLine[] = []
  for (const mib of sizes) {
    const s = results.find((r) => r.mib === mib && r.name === 'swarmdrop' && r.ok)
    const w = results.find((r) => r.mib === mib && r.name === 'webtorrent' && r.ok)
    const speedup = s?.ms && w?.ms ? w.ms / s.ms : null
    lines.push(`| ${mib} | ${s?.ms ?? 'failed'} | ${w?.ms ?? 'failed'} | ${speedup === null ? 'n/a' : speedup.toFixed(1)} |`)
    goals.push({ goal: `${mib} MiB: at least ${MEDIA_GOALS.shareLinkSpeedup}x faster than WebTorrent's seed()`, figure: speedup === null ? 'n/a' : `${speedup.toFixed(1)}x`, met: speedup === null ? null : speedup >= MEDIA_GOALS.shareLinkSpeedup })
    if (mib === 1024) goals.push({ goal: `1 GiB: link within ${MEDIA_GOALS.shareLinkMsAt1GiB} ms`, figure: s?.ms === undefined ? 'n/a' : `${s.ms} ms`, met: s?.ms === undefined ? null : s.ms <= MEDIA_GOALS.shareLinkMsAt1GiB })
  }
  return { lines, goals }
}

export function memoryTable(results: LeecherMemoryResult[]): { lines: string[]; goals: GoalLine[] } {
  const lines = ['| MiB | leecher | s | JS heap: idle -> peak MB | browser anon RSS: idle -> peak MB (growth) | bytes |', '|---|---|---|---|---|---|']
  for (const r of results) {
    if (!r.ok && !r.heap) {
      lines.push(`| ${r.mib} | ${r.name} | failed: ${r.error} | | | |`)
      continue
    }
    lines.push(`| ${r.mib} | ${r.name} | ${r.seconds ?? ''} | ${mb(r.heap!.base)} -> ${mb(r.heap!.peak)} | ${mb(r.rss!.base)} -> ${mb(r.rss!.peak)} (${mb(r.rss!.peak - r.rss!.base)}) | ${r.identical ? 'identical' : 'DIFFER'} |`)
  }
  const goals: GoalLine[] = []
  for (const mib of [...new Set(results.map((r) => r.mib))].sort((a, b) => a - b)) {
    const s = results.find((r) => r.mib === mib && r.name === 'swarmdrop' && r.ok)
    const w = results.find((r) => r.mib === mib && r.name === 'webtorrent' && r.heap)
    const heap = s ? s.heap!.peak : null
    const rss = s ? s.rss!.peak - s.rss!.base : null
    goals.push({ goal: `${mib} MiB: leecher JS heap peak under ${mb(MEDIA_GOALS.memoryBytes)} MB`, figure: heap === null ? 'n/a' : `${mb(heap)} MB`, met: heap === null ? null : heap < MEDIA_GOALS.memoryBytes })
    goals.push({ goal: `${mib} MiB: leecher browser anon RSS growth under ${mb(MEDIA_GOALS.memoryBytes)} MB`, figure: rss === null ? 'n/a' : `${mb(rss)} MB`, met: rss === null ? null : rss < MEDIA_GOALS.memoryBytes })
    const wHeap = w ? w.heap!.peak : null
    const wRss = w ? w.rss!.peak - w.rss!.base : null
    goals.push({ goal: `${mib} MiB: JS heap peak below WebTorrent's`, figure: heap === null || wHeap === null ? 'n/a' : `${mb(heap)} vs ${mb(wHeap)} MB`, met: heap === null || wHeap === null ? null : heap < wHeap })
    goals.push({ goal: `${mib} MiB: anon RSS growth below WebTorrent's`, figure: rss === null || wRss === null ? 'n/a' : `${mb(rss)} vs ${mb(wRss)} MB`, met: rss === null || wRss === null ? null : rss < wRss })
  }
  return { lines, goals }
}

export function firstFrameTable(results: FirstFrameResult[]): { lines: string[]; goals: GoalLine[] } {
  const lines = ['| round | leecher | first frame ms | playing ms | verified at first frame | first 64 KiB |', '|---|---|---|---|---|---|']
  for (const r of results) {
    if (!r.ok && r.firstFrameMs === undefined) lines.push(`| ${r.round} | ${r.name} | failed: ${r.error} | | | |`)
    else lines.push(`| ${r.round} | ${r.name} | ${r.firstFrameMs} | ${r.playingMs ?? ''} | ${((r.verifiedAtFirstFrame ?? 0) * 100).toFixed(1)}% | ${r.identical ? 'identical' : 'DIFFER'} |`)
  }
  // Paired per round (the same seeder, one right after the other), then the median of the ratios.
  const ratios: number[] = []
  for (const round of new Set(results.map((r) => r.round))) {
    const s = results.find((r) => r.round === round && r.name === 'swarmdrop' && r.ok)
    const w = results.find((r) => r.round === round && r.name === 'webtorrent' && r.ok)
    if (s?.firstFrameMs && w?.firstFrameMs) ratios.push(s.firstFrameMs / w.firstFrameMs)
  }
  const ratio = spreadOf(ratios)
  const median = (name: string) => spreadOf(results.filter((r) => r.name === name && r.ok).map((r) => r.firstFrameMs!))
  const s = median('swarmdrop')
  const w = median('webtorrent')
  lines.push('', `median first frame: swarmdrop ${s ? `${s.median.toFixed(0)} ms (${s.min}-${s.max})` : 'n/a'}, WebTorrent ${w ? `${w.median.toFixed(0)} ms (${w.min}-${w.max})` : 'n/a'}`)
  const goals: GoalLine[] = [
    {
      goal: `first frame at most ${MEDIA_GOALS.firstFrameRatio} of WebTorrent's (median of per-round ratios)`,
      figure: ratio ? `${ratio.median.toFixed(2)} (${ratio.min.toFixed(2)}-${ratio.max.toFixed(2)}, ${ratio.n} rounds)` : 'n/a',
      met: ratio ? ratio.median <= MEDIA_GOALS.firstFrameRatio : null,
    },
  ]
  return { lines, goals }
}

/** Where the RSS grew: each kind of process's peak over its idle figure, largest first ('renderer +52, utility +20'). */
export function rssGrowthByKind(r: LeecherMemoryResult): string {
  return Object.entries(r.rssByKind ?? {})
    .map(([kind, f]) => [kind, f.peak - f.base] as const)
    .sort((a, b) => b[1] - a[1])
    .map(([kind, g]) => `${kind} ${g >= 0 ? '+' : ''}${mb(g)}`)
    .join(', ')
}

export function goalLines(goals: GoalLine[]): string[] {
  return goals.map((g) => `  ${mark(g.met).padEnd(7)} ${g.goal}: ${g.figure}`)
}
