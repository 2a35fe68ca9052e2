import { formatBytes } from '../shared/format.ts'
import type { NodeTorrent } from '../node/node-torrent.ts'

// What `seed` and `download` show while they run: on a terminal, one progress line redrawn in place
// (stderr); with --json, one JSON object a line on stdout (events as they happen, progress every
// second); otherwise (a log file, a pipe) events and a progress line every 30 s.

export type ReportMode = 'tty' | 'json' | 'plain'

export interface ProgressSnapshot {
  type: 'progress'
  infoHash: string
  name: string
  state: string
  verifiedPieces: number
  pieceCount: number | null
  /** 0..1 */
  progress: number
  downloadRate: number
  uploadRate: number
  downloaded: number
  uploaded: number
  /** Connected peers by transport. */
  peers: { tcp: number; webrtc: number }
  trackers: { ok: number; total: number }
}

export function snapshot(t: NodeTorrent): ProgressSnapshot {
  const s = t.stats()
  const trackers = t.trackers()
  const pieceCount = t.info?.pieceCount ?? null
  const verified = t.store?.verifiedCount ?? 0
  return {
    type: 'progress',
    infoHash: t.infoHashHex,
    name: t.name,
    state: t.state,
    verifiedPieces: verified,
    pieceCount,
    progress: pieceCount ? verified / pieceCount : 0,
    downloadRate: Math.round(s?.downloadRate ?? 0),
    uploadRate: Math.round(s?.uploadRate ?? 0),
    downloaded: s?.downloaded ?? 0,
    uploaded: s?.uploaded ?? 0,
    peers: t.peersByKind(s),
    trackers: { ok: trackers.filter((x) => x.state === 'ok').length, total: trackers.length },
  }
}

export function progressLine(p: ProgressSnapshot): string {
  const pct = `${(p.progress * 100).toFixed(1)}%`
  const pieces = p.pieceCount === null ? 'metadata?' : `${p.verifiedPieces}/${p.pieceCount} pieces`
  const rate = (n: number) => `${formatBytes(n)}/s`
  const peers = p.peers.tcp + p.peers.webrtc
  return `${p.name}  ${p.state}  ${pct}  ${pieces}  down ${rate(p.downloadRate)}  up ${rate(p.uploadRate)}  peers ${peers} (tcp ${p.peers.tcp}, webrtc ${p.peers.webrtc})  trackers ${p.trackers.ok}/${p.trackers.total}`
}

const PLAIN_EVERY_MS = 30_000

export class Reporter {
  #lineShown = false
  #lastPlain = 0

  constructor(
    readonly mode: ReportMode,
    private readonly out: NodeJS.WritableStream = process.stdout,
    private readonly err: NodeJS.WriteStream | NodeJS.WritableStream = process.stderr,
  ) {}

  static forTerminal(json: boolean): Reporter {
    return new Reporter(json ? 'json' : process.stderr.isTTY ? 'tty' : 'plain')
  }

  /** Something that happened: a JSON line, or a line of text (`text`) above the progress line. */
  event(fields: Record<string, unknown> & { type: string }, text: string): void {
    if (this.mode === 'json') return void this.out.write(JSON.stringify(fields) + '\n')
    this.#clearLine()
    this.out.write(text + '\n')
  }

  /** A warning (`type` 'warning') or the error that ends the run ('failed'): one line on stderr, or a JSON line. */
  warn(message: string, type: 'warning' | 'failed' = 'warning'): void {
    if (this.mode === 'json') return void this.out.write(JSON.stringify({ type, message }) + '\n')
    this.#clearLine()
    this.err.write(`swarmdrop: ${message}\n`)
  }

  progress(p: ProgressSnapshot): void {
    if (this.mode === 'json') return void this.out.write(JSON.stringify(p) + '\n')
    const line = progressLine(p)
    if (this.mode === 'plain') {
      const now = Date.now()
      if (now - this.#lastPlain < PLAIN_EVERY_MS) return
      this.#lastPlain = now
      this.err.write(line + '\n')
      return
    }
    const columns = (this.err as NodeJS.WriteStream).columns ?? 120
    this.err.write(`\r\x1b[K${line.slice(0, Math.max(20, columns - 1))}`)
    this.#lineShown = true
  }

  /** Leave the terminal on a fresh line. */
  finish(): void {
    this.#clearLine()
  }

  #clearLine(): void {
    if (this.mode !== 'tty' || !this.#lineShown) return
    this.err.write('\r\x1b[K')
    this.#lineShown = false
  }
}
