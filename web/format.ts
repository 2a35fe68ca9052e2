// Numbers as a person reads them.

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`
  const units = ['KiB', 'MiB', 'GiB', 'TiB']
  let v = n / 1024
  let u = 0
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024
    u++
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[u]}`
}

export function formatRate(bytesPerSecond: number): string {
  return bytesPerSecond < 1 ? '0 B/s' : `${formatBytes(Math.round(bytesPerSecond))}/s`
}

export function formatPercent(part: number, whole: number): string {
  if (whole <= 0) return '0%'
  const p = (part / whole) * 100
  return p >= 100 ? '100%' : `${p.toFixed(p < 10 ? 1 : 0)}%`
}
