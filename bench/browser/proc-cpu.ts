import { readdirSync, readFileSync } from 'node:fs'

// CPU time of the Chromium processes this benchmark started (descendants of this Node process whose
// command is chromium), from /proc, grouped by Chromium's process type (--type=renderer, gpu-process,
// utility for the network service, none for the browser process). Linux only; elsewhere it reads 0.

const TICKS_PER_SECOND = 100 // USER_HZ on Linux

interface ProcInfo {
  pid: number
  ppid: number
  cpuSeconds: number
  command: string
}

function readProc(pid: number): ProcInfo | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The command name (field 2) is in parentheses and may hold spaces: parse after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const ppid = Number(rest[1])
    const ticks = Number(rest[11]) + Number(rest[12]) // utime + stime
    const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ')
    return { pid, ppid, cpuSeconds: ticks / TICKS_PER_SECOND, command }
  } catch {
    return null // the process ended between readdir and read
  }
}

function typeOf(command: string): string {
  const m = /--type=([a-z-]+)/.exec(command)
  if (!m) return 'browser'
  if (m[1] === 'utility') return /NetworkService/.test(command) ? 'network' : 'utility'
  return m[1] ?? 'other'
}

/** CPU seconds so far per Chromium process type, and per process id (to tell renderers apart). */
export function chromiumCpu(): { byType: Record<string, number>; byPid: Map<number, { type: string; cpuSeconds: number }> } {
  let all: ProcInfo[] = []
  try {
    all = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map((d) => readProc(Number(d))).filter((p): p is ProcInfo => p !== null)
  } catch {
    return { byType: {}, byPid: new Map() }
  }
  const children = new Map<number, ProcInfo[]>()
  for (const p of all) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p])
  const byType: Record<string, number> = {}
  const byPid = new Map<number, { type: string; cpuSeconds: number }>()
  const stack = [...(children.get(process.pid) ?? [])]
  for (let seen = 0; stack.length > 0 && seen < 10_000; seen++) {
    const p = stack.pop()!
    stack.push(...(children.get(p.pid) ?? []))
    if (!/chrom/.test(p.command.split(' ')[0] ?? '')) continue
    const type = typeOf(p.command)
    byType[type] = (byType[type] ?? 0) + p.cpuSeconds
    byPid.set(p.pid, { type, cpuSeconds: p.cpuSeconds })
  }
  return { byType, byPid }
}

export interface CpuUse {
  /** CPU seconds of all Chromium processes during the measured span. */
  totalSeconds: number
  /** Per process type; renderers also listed one by one, busiest first. */
  byType: Record<string, number>
  renderers: number[]
}

/** Starts counting; the returned function gives the CPU spent since. */
export function cpuMeter(): () => CpuUse {
  const before = chromiumCpu()
  return () => {
    const after = chromiumCpu()
    const byType: Record<string, number> = {}
    const renderers: number[] = []
    let totalSeconds = 0
    for (const [pid, p] of after.byPid) {
      const spent = p.cpuSeconds - (before.byPid.get(pid)?.cpuSeconds ?? 0)
      byType[p.type] = round2((byType[p.type] ?? 0) + spent)
      if (p.type === 'renderer' && spent > 0.05) renderers.push(round2(spent))
      totalSeconds += spent
    }
    return { totalSeconds: round2(totalSeconds), byType, renderers: renderers.sort((a, b) => b - a) }
  }
}

function round2(x: number): number {
  return Math.round(x * 100) / 100
}
