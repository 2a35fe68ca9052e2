import { readFileSync } from 'node:fs'

// CPU time and resident memory of a process from /proc (Linux). A process that has exited reads null:
// callers sample while it runs and keep the last value.

const TICKS_PER_SECOND = 100 // USER_HZ

/** utime + stime in seconds, or null when the process is gone. */
export function cpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(rest[11]) + Number(rest[12])) / TICKS_PER_SECOND
  } catch {
    return null
  }
}

/** VmRSS in bytes, or null when the process is gone. */
export function rssBytes(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Number(m[1]) * 1024 : null
  } catch {
    return null
  }
}

/** Samples a process every `ms`: its latest CPU seconds and its peak RSS, kept after it exits. */
export class ProcSampler {
  cpu = 0
  peakRss = 0
  #timer: ReturnType<typeof setInterval>

  constructor(readonly pid: number, ms = 100) {
    this.sample()
    this.#timer = setInterval(() => this.sample(), ms)
  }

  sample(): void {
    const c = cpuSeconds(this.pid)
    if (c !== null) this.cpu = c
    const r = rssBytes(this.pid)
    if (r !== null) this.peakRss = Math.max(this.peakRss, r)
  }

  stop(): void {
    this.sample()
    clearInterval(this.#timer)
  }
}
