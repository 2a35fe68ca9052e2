import { readdirSync, readFileSync } from 'node:fs'

// CPU time of the Chromium processes this benchmark started (descendants of this Node process whose
// command is chromium), from /proc, per process and per thread. Every peer runs its own Chromium (as
// two users would); `PeerRoles` notes which processes appeared when each peer's browser started and
// labels them with the peer's role ('leecher', 'seeder'), so a peer's CPU is its whole browser's:
// renderer, network service, browser process (OPFS, IPC), GPU. Processes are further labelled by
// Chromium's type (--type=renderer, gpu-process, utility for the network service, none for the browser
// process). Threads keep the kernel's name (WebRTC_W_and_N, Chrome_ChildIOT, DedicatedWorker, ...; the
// main thread is 'main'), user and system time apart: system time is the kernel's share (socket and
// IPC syscalls). Linux only; elsewhere every figure reads 0.

const TICKS_PER_SECOND = 100 // USER_HZ on Linux

interface ProcInfo {
  pid: number
  ppid: number
  user: number
  sys: number
  command: string
}

/** utime and stime (seconds) and ppid from a /proc/.../stat line. */
function parseStat(stat: string): { ppid: number; user: number; sys: number; name: string } {
  // The command name (field 2) is in parentheses and may hold spaces: parse after the last ')'.
  const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return { ppid: Number(rest[1]), user: Number(rest[11]) / TICKS_PER_SECOND, sys: Number(rest[12]) / TICKS_PER_SECOND, name }
}

function readProc(pid: number): ProcInfo | null {
  try {
    const s = parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'))
    const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ')
    return { pid, ppid: s.ppid, user: s.user, sys: s.sys, command }
  } catch {
    return null // the process ended between readdir and read
  }
}

function typeOf(command: string): string {
  const m = /--type=([a-z-]+)/.exec(command)
  if (!m) return 'browser'
  if (m[1] === 'utility') {
    if (/NetworkService/.test(command)) return 'network'
    const sub = /--utility-sub-type=(?:[a-z_]+\.mojom\.)?([A-Za-z]+)/.exec(command)
    return sub ? `utility ${sub[1]}` : 'utility'
  }
  // Chromium's own UI pages (a headless browser still starts some): not part of any transfer.
  if (m[1] === 'renderer' && / --top-chrome-webui/.test(command)) return 'webui'
  return m[1] ?? 'other'
}

/** Our Chromium processes: pid -> type. */
function chromiumProcesses(): Map<number, { type: string; user: number; sys: number }> {
  const out = new Map<number, { type: string; user: number; sys: number }>()
  let all: ProcInfo[] = []
  try {
    all = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map((d) => readProc(Number(d))).filter((p): p is ProcInfo => p !== null)
  } catch {
    return out
  }
  const children = new Map<number, ProcInfo[]>()
  for (const p of all) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p])
  const stack = [...(children.get(process.pid) ?? [])]
  for (let seen = 0; stack.length > 0 && seen < 10_000; seen++) {
    const p = stack.pop()!
    stack.push(...(children.get(p.pid) ?? []))
    if (/chrom/.test(p.command.split(' ')[0] ?? '')) out.set(p.pid, { type: typeOf(p.command), user: p.user, sys: p.sys })
  }
  return out
}

/** Our Chromium processes' types (pid -> 'renderer', 'network', ...). */
export function processTypes(): Map<number, string> {
  return new Map([...chromiumProcesses()].map(([pid, p]) => [pid, p.type]))
}

/** Per thread of the given processes: `pid/tid` -> name and CPU seconds. */
function threadsOf(pids: Iterable<number>): Map<string, { pid: number; name: string; user: number; sys: number }> {
  const out = new Map<string, { pid: number; name: string; user: number; sys: number }>()
  for (const pid of pids) {
    let tids: string[] = []
    try {
      tids = readdirSync(`/proc/${pid}/task`)
    } catch {
      continue
    }
    for (const tid of tids) {
      try {
        const s = parseStat(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8'))
        // The main thread carries the process's name ('chromium'): call it what it is.
        out.set(`${pid}/${tid}`, { pid, name: Number(tid) === pid ? 'main' : s.name, user: s.user, sys: s.sys })
      } catch {
        // the thread ended
      }
    }
  }
  return out
}

/** Which peer each process serves: processes that appeared since the last mark get its role. */
export class PeerRoles {
  readonly roles = new Map<number, string>()
  private known: Set<number>

  constructor() {
    this.known = new Set(chromiumProcesses().keys())
  }

  /** Call right after a peer's browser has started and its page has loaded. */
  mark(role: string): void {
    for (const pid of chromiumProcesses().keys()) {
      if (this.known.has(pid)) continue
      this.known.add(pid)
      this.roles.set(pid, role)
    }
  }

  roleOf(pid: number): string {
    return this.roles.get(pid) ?? 'other'
  }

  /** `<role> <type>`: 'leecher renderer', 'seeder network', ... */
  labelOf(pid: number, type: string): string {
    return `${this.roleOf(pid)} ${type}`
  }
}

export interface ThreadCpu {
  /** '<role> <type>': 'leecher renderer', 'seeder network', 'leecher browser', ... */
  process: string
  thread: string
  seconds: number
  /** Of which in the kernel. */
  sysSeconds: number
}

export interface CpuUse {
  /** CPU seconds of all Chromium processes during the measured span. */
  totalSeconds: number
  /** Per peer role: 'leecher', 'seeder' (summed over seeders). */
  byRole: Record<string, number>
  /** Per role and process type ('leecher renderer', 'seeder network', ...). */
  byProcess: Record<string, number>
  /** Per role and thread name (threads of one name summed), busiest first. */
  threads: ThreadCpu[]
}

/** Starts counting; the returned function gives the CPU spent since. */
export function cpuMeter(roles: PeerRoles = new PeerRoles()): () => CpuUse {
  const beforeProcs = chromiumProcesses()
  const beforeThreads = threadsOf(beforeProcs.keys())
  return () => {
    const procs = chromiumProcesses()
    const threads = threadsOf(procs.keys())
    const byRole: Record<string, number> = {}
    const byProcess: Record<string, number> = {}
    let totalSeconds = 0
    for (const [pid, p] of procs) {
      const b = beforeProcs.get(pid)
      const spent = p.user + p.sys - (b ? b.user + b.sys : 0)
      const role = roles.roleOf(pid)
      byRole[role] = round2((byRole[role] ?? 0) + spent)
      const label = roles.labelOf(pid, p.type)
      byProcess[label] = round2((byProcess[label] ?? 0) + spent)
      totalSeconds += spent
    }
    const perThread = new Map<string, ThreadCpu>()
    for (const [key, t] of threads) {
      const b = beforeThreads.get(key)
      const user = t.user - (b?.user ?? 0)
      const sys = t.sys - (b?.sys ?? 0)
      if (user + sys <= 0) continue
      const p = procs.get(t.pid)
      const process = roles.labelOf(t.pid, p?.type ?? 'other')
      const k = `${process}\0${t.name}`
      const row = perThread.get(k) ?? { process, thread: t.name, seconds: 0, sysSeconds: 0 }
      row.seconds += user + sys
      row.sysSeconds += sys
      perThread.set(k, row)
    }
    const threadRows = [...perThread.values()]
      .map((r) => ({ ...r, seconds: round2(r.seconds), sysSeconds: round2(r.sysSeconds) }))
      .filter((r) => r.seconds >= 0.01)
      .sort((a, b) => b.seconds - a.seconds)
    return { totalSeconds: round2(totalSeconds), byRole, byProcess, threads: threadRows }
  }
}

function round2(x: number): number {
  return Math.round(x * 100) / 100
}
