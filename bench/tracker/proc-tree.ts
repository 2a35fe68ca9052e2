// CPU time and resident memory of a process and all its descendants, from /proc (Linux): a tracker
// started with --workers is a primary and N workers, and redis-server is a process the bench did not
// write, so neither can report its own usage over IPC. Elsewhere every figure reads 0.

import { readdirSync, readFileSync } from 'node:fs'

const TICKS_PER_SECOND = 100 // USER_HZ on Linux
const PAGE_BYTES = 4096

interface Stat { pid: number; ppid: number; cpuMs: number; rssBytes: number }

function stat(pid: number): Stat | null {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // Field 2 (the command) is in parentheses and may hold spaces: fields after the last ')'.
    const rest = s.slice(s.lastIndexOf(')') + 2).split(' ')
    return {
      pid, ppid: Number(rest[1]),
      cpuMs: ((Number(rest[11]) + Number(rest[12])) / TICKS_PER_SECOND) * 1000,
      rssBytes: Number(rest[21]) * PAGE_BYTES,
    }
  } catch {
    return null // gone between readdir and read, or not Linux
  }
}

/** `pid` and every descendant of it. */
function tree(pid: number): Stat[] {
  let all: Stat[]
  try {
    all = readdirSync('/proc').filter(d => /^\d+$/.test(d)).map(d => stat(Number(d))).filter((p): p is Stat => p !== null)
  } catch {
    return []
  }
  const out = all.filter(p => p.pid === pid)
  for (let i = 0; i < out.length && i < 10_000; i++) {
    const parent = (out[i] as Stat).pid
    for (const p of all) if (p.ppid === parent) out.push(p)
  }
  return out
}

/** User + system CPU time (ms) of `pid` and its descendants, and how many processes that is. */
export function treeCpuMs(pid: number): { ms: number; processes: number } {
  const t = tree(pid)
  return { ms: t.reduce((a, p) => a + p.cpuMs, 0), processes: t.length }
}

/** Resident memory (bytes) of `pid` and its descendants. */
export function treeRssBytes(pid: number): number {
  return tree(pid).reduce((a, p) => a + p.rssBytes, 0)
}
