import { readdirSync, readFileSync } from 'node:fs'

// The anonymous resident memory (RssAnon: heap and other private memory, not mapped files) of one
// Chromium, from /proc: the browser process of the profile `profileDir` and all its descendants
// (renderers, GPU, network, storage service). Linux only; elsewhere it reads 0. A persistent
// profile is the point: an off-the-record context keeps OPFS in memory, which would count the
// download itself.

interface Proc {
  pid: number
  ppid: number
  cmdline: string
}

function procs(): Proc[] {
  const out: Proc[] = []
  let dirs: string[] = []
  try {
    dirs = readdirSync('/proc').filter((d) => /^\d+$/.test(d))
  } catch {
    return out
  }
  for (const d of dirs) {
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8')
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      out.push({ pid: Number(d), ppid, cmdline: readFileSync(`/proc/${d}/cmdline`, 'utf8').replaceAll('\0', ' ') })
    } catch {
      // ended meanwhile
    }
  }
  return out
}

function rssAnonKiB(pid: number): number {
  try {
    const m = /RssAnon:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Number(m[1]) : 0
  } catch {
    return 0
  }
}

/** Bytes of anonymous resident memory of the Chromium using `profileDir`, all its processes. */
export function browserAnonRss(profileDir: string): number {
  return Object.values(browserAnonRssByKind(profileDir)).reduce((a, b) => a + b, 0)
}

/**
 * The same by kind of process: 'browser', 'renderer', 'gpu-process', 'utility' (network, storage,
 * audio services) and so on, from each process's --type flag.
 */
export function browserAnonRssByKind(profileDir: string): Record<string, number> {
  const all = procs()
  const roots = all.filter((p) => p.cmdline.includes(`--user-data-dir=${profileDir}`) && !/--type=/.test(p.cmdline))
  const children = new Map<number, Proc[]>()
  for (const p of all) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p])
  const out: Record<string, number> = {}
  const stack = [...roots]
  for (let seen = 0; stack.length > 0 && seen < 10_000; seen++) {
    const p = stack.pop()!
    const kind = /--type=([\w-]+)/.exec(p.cmdline)?.[1] ?? 'browser'
    out[kind] = (out[kind] ?? 0) + rssAnonKiB(p.pid) * 1024
    stack.push(...(children.get(p.pid) ?? []))
  }
  return out
}
