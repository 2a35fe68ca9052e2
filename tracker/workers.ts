// `--workers N`: N tracker processes on one port, sharing swarms through Redis. The primary process
// (this file) only forks and watches them: Node's cluster module hands each new TCP connection to a
// worker in turn (WebSocket sockets stay where they land) and shares one UDP socket among them (each
// datagram is read by one worker). Every worker is a whole tracker (tracker/main.ts's serve) and a
// node of its own on the shared Redis; the primary holds no swarm state.
//
// The primary prints the `listening on` line once every worker listens; a worker that cannot start
// ends the whole (with its exit code: 3 when Redis is unreachable); one that dies later is replaced
// (a worker's sockets go with it, and its peers leave the shared swarms within the node TTL).

import cluster, { type Worker } from 'node:cluster'
import type { Config } from './config.ts'
import type { Logger } from './log.ts'

/** What a worker tells the primary when it is listening. */
export interface WorkerListening { kind: 'listening'; url: string; udpUrl: string | null }

export const isWorkerListening = (m: unknown): m is WorkerListening =>
  typeof m === 'object' && m !== null && (m as { kind?: unknown }).kind === 'listening'

/** Replacements allowed within RESTART_WINDOW_MS before the primary gives up (a crash loop). */
const MAX_RESTARTS = 10
const RESTART_WINDOW_MS = 60_000
const RESTART_DELAY_MS = 1000
const STOP_TIMEOUT_MS = 6000

export function runPrimary(config: Config, log: Logger): void {
  const wanted = config.workers
  const listening = new Set<Worker>()
  const restarts: number[] = []
  let started = false
  let stopping = false

  const fork = (): void => {
    const worker = cluster.fork()
    worker.on('message', (m: unknown) => {
      if (!isWorkerListening(m)) return
      listening.add(worker)
      if (!started && listening.size === wanted) {
        started = true
        if (m.udpUrl !== null) process.stdout.write(`swarmdrop udp tracker on ${m.udpUrl}\n`)
        process.stdout.write(`swarmdrop listening on ${m.url}\n`)
        log.info('workers listening', { workers: wanted, url: m.url })
      }
    })
    worker.on('exit', (code, signal) => {
      listening.delete(worker)
      if (stopping) return
      if (!started) {
        // A worker that cannot start (Redis unreachable, port taken) ends the whole, with its code.
        stop(code ?? 1)
        return
      }
      const now = Date.now()
      while (restarts.length > 0 && (restarts[0] as number) < now - RESTART_WINDOW_MS) restarts.shift()
      if (restarts.length >= MAX_RESTARTS) {
        log.error('workers keep dying: giving up', { restarts: restarts.length })
        stop(1)
        return
      }
      restarts.push(now)
      log.warn('worker died: starting another', { pid: worker.process.pid, code, signal })
      setTimeout(() => { if (!stopping) fork() }, RESTART_DELAY_MS)
    })
  }

  const stop = (code: number): void => {
    if (stopping) return
    stopping = true
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined)
    if (workers.length === 0) process.exit(code)
    let left = workers.length
    for (const w of workers) {
      w.once('exit', () => { if (--left === 0) process.exit(code) })
      w.process.kill('SIGTERM')
    }
    setTimeout(() => {
      for (const w of workers) w.process.kill('SIGKILL')
      process.exit(code)
    }, STOP_TIMEOUT_MS).unref()
  }

  process.on('SIGTERM', () => stop(0))
  process.on('SIGINT', () => stop(0))
  for (let i = 0; i < wanted; i++) fork()
}
