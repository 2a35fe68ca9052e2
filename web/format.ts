// Numbers as a person reads them.
import { formatBytes } from '../shared/format.ts'

export { formatBytes }

export function formatRate(bytesPerSecond: number): string {
  return bytesPerSecond < 1 ? '0 B/s' : `${formatBytes(Math.round(bytesPerSecond))}/s`
}

export function formatPercent(part: number, whole: number): string {
  if (whole <= 0) return '0%'
  const p = (part / whole) * 100
  return p >= 100 ? '100%' : `${p.toFixed(p < 10 ? 1 : 0)}%`
}
