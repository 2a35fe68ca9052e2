// Numbers as a person reads them.
import { formatBytes } from '../../shared/format.ts'

export { formatBytes }

export function formatRate(bytesPerSecond: number): string {
  return bytesPerSecond < 1 ? '0 B/s' : `${formatBytes(Math.round(bytesPerSecond))}/s`
}

export function formatPercent(part: number, whole: number): string {
  if (whole <= 0) return '0%'
  const p = (part / whole) * 100
  return p >= 100 ? '100%' : p <= 0 ? '0%' : `${p.toFixed(p < 10 ? 1 : 0)}%`
}

/** "45 s", "3 min 20 s", "2 h 5 min", "3 d 4 h"; "∞" for null (no rate). */
export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '∞'
  const s = Math.max(0, Math.round(seconds))
  if (s < 60) return `${s} s`
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`
  if (s < 86400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`
  return `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`
}

export function formatRatio(ratio: number): string {
  return ratio >= 100 ? ratio.toFixed(0) : ratio.toFixed(2)
}

/** A rate limit: "no limit" for 0. */
export function formatLimit(bytesPerSecond: number): string {
  return bytesPerSecond > 0 ? formatRate(bytesPerSecond) : 'no limit'
}

/** Seconds from now until `at` (ms since the epoch), as "in 1 min 30 s" / "now". */
export function formatUntil(at: number | null, now: number): string {
  if (at === null) return '—'
  const s = Math.round((at - now) / 1000)
  return s <= 0 ? 'now' : `in ${formatDuration(s)}`
}

/** KiB/s typed by a person -> bytes/s (0 = no limit); null when it is not a number >= 0. */
export function parseKibPerSecond(text: string): number | null {
  const t = text.trim()
  if (t === '') return 0
  if (!/^\d+(\.\d+)?$/.test(t)) return null
  return Math.round(Number(t) * 1024)
}
