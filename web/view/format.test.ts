import { describe, expect, it } from 'vitest'
import { formatDuration, formatLimit, formatPercent, formatRate, formatRatio, formatUntil, parseKibPerSecond } from './format.ts'

describe('view formatting', () => {
  it('rates and percents', () => {
    expect(formatRate(0.4)).toBe('0 B/s')
    expect(formatRate(1536)).toBe('1.5 KiB/s')
    expect(formatPercent(1, 3)).toBe('33%')
    expect(formatPercent(1, 300)).toBe('0.3%')
    expect(formatPercent(5, 5)).toBe('100%')
    expect(formatPercent(0, 5)).toBe('0%')
    expect(formatPercent(1, 0)).toBe('0%')
  })

  it('times left', () => {
    expect(formatDuration(null)).toBe('∞')
    expect(formatDuration(45)).toBe('45 s')
    expect(formatDuration(200)).toBe('3 min 20 s')
    expect(formatDuration(7500)).toBe('2 h 5 min')
    expect(formatDuration(3 * 86400 + 4 * 3600 + 5)).toBe('3 d 4 h')
    expect(formatUntil(null, 0)).toBe('—')
    expect(formatUntil(90_000, 0)).toBe('in 1 min 30 s')
    expect(formatUntil(0, 5000)).toBe('now')
  })

  it('ratios and limits', () => {
    expect(formatRatio(0)).toBe('0.00')
    expect(formatRatio(1.234)).toBe('1.23')
    expect(formatRatio(250.4)).toBe('250')
    expect(formatLimit(0)).toBe('no limit')
    expect(formatLimit(51200)).toBe('50 KiB/s')
  })

  it('reads a typed KiB/s limit', () => {
    expect(parseKibPerSecond('')).toBe(0)
    expect(parseKibPerSecond(' 50 ')).toBe(51200)
    expect(parseKibPerSecond('0.5')).toBe(512)
    expect(parseKibPerSecond('-1')).toBeNull()
    expect(parseKibPerSecond('fast')).toBeNull()
  })
})
