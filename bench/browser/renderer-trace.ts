import type { Browser, CDPSession } from '@playwright/test'
import { processTypes, type PeerRoles } from './proc-cpu.ts'

// `--trace`: Chromium's own tracing (CDP `Tracing` on each peer's browser target: every process and
// thread, workers included) over a window of the transfer, summarised per peer and thread:
//   - task self time: each traced task's thread CPU time (`tdur`) minus its traced children's, by a
//     label that says what ran: the task's posting site (`file:function`), the mojo interface of a
//     message, the named WebRTC events (DcSctpTransport::SendPacket, RtpTransport::OnReadPacket, ...);
//   - JavaScript self time by function, from V8's sampling profiler (1 sample/ms) on every thread
//     that ran JS (page main threads and workers).
// The window is short (a few seconds) because a trace of a whole transfer is hundreds of megabytes;
// /proc's per-thread CPU (proc-cpu.ts) gives the totals over the whole transfer.

const CATEGORIES = ['toplevel', 'mojom', 'webrtc', 'v8', 'disabled-by-default-v8.cpu_profiler', '__metadata']

interface TraceEvent {
  name: string
  cat: string
  ph: string
  pid: number
  tid: number
  ts: number
  dur?: number
  tdur?: number
  id?: string
  args?: Record<string, unknown>
}

export interface ThreadTrace {
  process: string
  thread: string
  /** Thread CPU time inside traced tasks over the window. */
  tracedMs: number
  top: { label: string; ms: number }[]
}

export interface JsTrace {
  process: string
  thread: string
  /** Non-idle sampled time. */
  sampledMs: number
  top: { fn: string; ms: number }[]
}

export interface TraceSummary {
  windowMs: number
  threads: ThreadTrace[]
  js: JsTrace[]
}

export interface RunningTrace {
  stop(): Promise<TraceSummary>
}

export async function startTrace(browser: Browser, roles: PeerRoles): Promise<RunningTrace> {
  const cdp = await browser.newBrowserCDPSession()
  const events: TraceEvent[] = []
  cdp.on('Tracing.dataCollected', (e) => events.push(...(e.value as unknown as TraceEvent[])))
  const complete = new Promise<void>((ok) => cdp.once('Tracing.tracingComplete', () => ok()))
  const started = Date.now()
  await cdp.send('Tracing.start', {
    transferMode: 'ReportEvents',
    traceConfig: { recordMode: 'recordAsMuchAsPossible', includedCategories: CATEGORIES, excludedCategories: ['*'] },
  })
  return {
    stop: async () => {
      const windowMs = Date.now() - started
      await cdp.send('Tracing.end')
      await complete
      await detach(cdp)
      const typeOf = processTypes()
      return summarize(events, windowMs, (pid) => roles.labelOf(pid, typeOf.get(pid) ?? 'other'))
    },
  }
}

async function detach(cdp: CDPSession): Promise<void> {
  await cdp.detach().catch(() => {})
}

function labelOf(e: TraceEvent): string {
  const a = e.args ?? {}
  if (typeof a['src_func'] === 'string') return `task ${String(a['src_file'] ?? '').split('/').pop()}:${a['src_func']}`
  const mojo = a['chrome_mojo_event_info'] as Record<string, unknown> | undefined
  if (mojo) return `${e.name} ${String(mojo['mojo_interface_tag'] ?? mojo['watcher_notify_interface_tag'] ?? '')}`.trim()
  const from = a['controller_created_from'] as { function_name?: string } | undefined
  if (from?.function_name) return `${e.name} (${from.function_name})`
  return e.name
}

export function summarize(events: TraceEvent[], windowMs: number, processOf: (pid: number) => string, topN = 8): TraceSummary {
  const threadNames = new Map<string, string>()
  for (const e of events) if (e.name === 'thread_name' && e.ph === 'M') threadNames.set(`${e.pid}/${e.tid}`, String(e.args?.['name'] ?? ''))
  const threadOf = (pid: number, tid: number) => threadNames.get(`${pid}/${tid}`) ?? `thread ${tid}`

  // Task self time: complete events per thread, nested by time; self = tdur - children's tdur.
  const byThread = new Map<string, TraceEvent[]>()
  for (const e of events) {
    if (e.ph !== 'X' || e.tdur === undefined) continue
    const k = `${e.pid}/${e.tid}`
    let list = byThread.get(k)
    if (!list) byThread.set(k, (list = []))
    list.push(e)
  }
  const tasks = new Map<string, { process: string; thread: string; tracedUs: number; self: Map<string, number> }>()
  for (const [k, list] of byThread) {
    const [pid = 0, tid = 0] = k.split('/').map(Number)
    const key = `${processOf(pid)}\0${threadOf(pid, tid)}`
    const row = tasks.get(key) ?? { process: processOf(pid), thread: threadOf(pid, tid), tracedUs: 0, self: new Map<string, number>() }
    tasks.set(key, row)
    list.sort((a, b) => a.ts - b.ts || (b.dur ?? 0) - (a.dur ?? 0))
    const stack: { end: number; label: string; self: number }[] = []
    const pop = () => {
      const done = stack.pop()!
      row.self.set(done.label, (row.self.get(done.label) ?? 0) + Math.max(0, done.self))
    }
    for (const e of list) {
      while (stack.length > 0 && e.ts >= stack[stack.length - 1]!.end) pop()
      const tdur = e.tdur ?? 0
      const parent = stack[stack.length - 1]
      if (parent) parent.self -= tdur
      else row.tracedUs += tdur
      stack.push({ end: e.ts + (e.dur ?? 0), label: labelOf(e), self: tdur })
    }
    while (stack.length > 0) pop()
  }
  const threads = [...tasks.values()]
    .filter((t) => t.tracedUs >= 1000)
    .sort((a, b) => b.tracedUs - a.tracedUs)
    .map((t) => ({
      process: t.process,
      thread: t.thread,
      tracedMs: Math.round(t.tracedUs / 1000),
      top: [...t.self.entries()].sort((a, b) => b[1] - a[1]).slice(0, topN).filter(([, us]) => us >= 500).map(([label, us]) => ({ label, ms: Math.round(us / 1000) })),
    }))

  return { windowMs, threads, js: jsSamples(events, processOf, threadOf, topN) }
}

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url?: string; lineNumber?: number }
}

/** V8's sampling profiler in the trace: a `Profile` event names the sampled thread, `ProfileChunk`s (same pid and id) carry nodes and samples. */
function jsSamples(events: TraceEvent[], processOf: (pid: number) => string, threadOf: (pid: number, tid: number) => string, topN: number): JsTrace[] {
  const profiles = new Map<string, { pid: number; tid: number; nodes: Map<number, ProfileNode>; self: Map<string, number>; sampledUs: number }>()
  for (const e of events) {
    if (e.name !== 'Profile' && e.name !== 'ProfileChunk') continue
    const k = `${e.pid}/${e.id}`
    let p = profiles.get(k)
    if (!p) profiles.set(k, (p = { pid: e.pid, tid: e.tid, nodes: new Map(), self: new Map(), sampledUs: 0 }))
    if (e.name === 'Profile') {
      p.tid = e.tid
      continue
    }
    const data = e.args?.['data'] as { cpuProfile?: { nodes?: ProfileNode[]; samples?: number[] }; timeDeltas?: number[] } | undefined
    for (const n of data?.cpuProfile?.nodes ?? []) p.nodes.set(n.id, n)
    const samples = data?.cpuProfile?.samples ?? []
    const deltas = data?.timeDeltas ?? []
    samples.forEach((id, i) => {
      const f = p.nodes.get(id)?.callFrame
      const fn = f?.functionName || '(anonymous)'
      if (fn === '(idle)' || fn === '(root)') return
      const file = f?.url?.split('/').pop()?.split('?')[0] ?? ''
      const key = `${fn}${file ? ` ${file}:${(f?.lineNumber ?? 0) + 1}` : ''}`
      const us = Math.max(0, deltas[i] ?? 0)
      p.self.set(key, (p.self.get(key) ?? 0) + us)
      p.sampledUs += us
    })
  }
  return [...profiles.values()]
    .filter((p) => p.sampledUs >= 1000)
    .sort((a, b) => b.sampledUs - a.sampledUs)
    .map((p) => ({
      process: processOf(p.pid),
      thread: threadOf(p.pid, p.tid),
      sampledMs: Math.round(p.sampledUs / 1000),
      top: [...p.self.entries()].sort((a, b) => b[1] - a[1]).slice(0, topN).map(([fn, us]) => ({ fn, ms: Math.round(us / 1000) })),
    }))
}

/**
 * A trace of `forMs` that starts `afterMs` from now, in each of `browsers` (every peer runs its own),
 * merged; `finish()` (the transfer ended) stops it early, or cancels it if it had not started.
 */
export function traceWindow(browsers: Browser[], roles: PeerRoles, o: { afterMs: number; forMs: number }): { finish(): Promise<TraceSummary | undefined> } {
  let running: Promise<RunningTrace[]> | null = null
  let summary: Promise<TraceSummary> | null = null
  const stop = () =>
    (summary ??= running!.then(async (ts) => {
      const parts = await Promise.all(ts.map((t) => t.stop()))
      return {
        windowMs: Math.max(...parts.map((p) => p.windowMs)),
        threads: parts.flatMap((p) => p.threads).sort((a, b) => b.tracedMs - a.tracedMs),
        js: parts.flatMap((p) => p.js).sort((a, b) => b.sampledMs - a.sampledMs),
      }
    }))
  let stopTimer: NodeJS.Timeout | undefined
  const startTimer = setTimeout(() => {
    running = Promise.all(browsers.map((b) => startTrace(b, roles)))
    void running.then(() => (stopTimer = setTimeout(() => void stop(), o.forMs)))
  }, o.afterMs)
  return {
    finish: async () => {
      clearTimeout(startTimer)
      clearTimeout(stopTimer)
      if (!running) return undefined
      await running
      return stop()
    },
  }
}
