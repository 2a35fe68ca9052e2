import type { StandInProvider } from '../network/page-rewrite.ts'
import type { CpuUse } from './proc-cpu.ts'
import type { TraceSummary } from './renderer-trace.ts'

/** One measured transfer (or its failure: a timeout or an error is a result too, and the run goes on). */
export interface RunResult {
  name: string
  /** The network condition ('loopback', '50ms', '50ms-1%loss') and the round, set by main.ts. */
  condition?: string
  round?: number
  /** CPU of the network relay process over the run (not Chromium's). */
  relayCpuSeconds?: number
  seeders: number
  mib: number
  ok: boolean
  error?: string
  /** Wall time from adding the magnet (or the first byte, for the raw channel) to done. */
  seconds?: number
  /** Decimal MB (1e6 bytes) per second over `seconds`. */
  mbPerS?: number
  /** From adding the magnet to the first piece verified by the leecher. */
  firstPieceMs?: number
  /** SHA-256 of what the leecher stored equals the source's. */
  identical?: boolean
  /** Chromium's CPU over the same span, all processes (both peers, GPU, network service). */
  cpu?: CpuUse
  trace?: TraceSummary
  details?: Record<string, unknown>
}

export interface Transfer {
  mib: number
  seeders: number
  /** Bound for the whole scenario (setup, transfer, check). */
  timeoutMs: number
  /** Sample the data channels of the first seeder and the leecher (channel-probe.ts). */
  probe?: boolean
  /** Record a V8 CPU profile of the leecher page (js-profile.ts). */
  jsProfile?: boolean
  /** Trace every process and thread (renderer-trace.ts) for `forMs`, `afterMs` into the transfer. */
  trace?: { afterMs: number; forMs: number }
  /**
   * A swarmdrop variant measured beside the default, for A/B comparisons: other engine limits, and/or
   * the torrent shared as v2 or hybrid (BEP 52) instead of v1.
   */
  variant?: { name: string; limits: Record<string, number>; metaVersion?: 2 | 'hybrid' }
  /** The raw channel's send size (default 16 KiB, as measured in issue 10). */
  rawSendBytes?: number
  /** RTCPeerConnections the raw baseline uses at once (1: the classic baseline). */
  rawConnections?: number
  /** Connect the peers through this relay (bench/network) instead of loopback. */
  network?: StandInProvider
}

export function failed(name: string, t: Transfer, err: unknown): RunResult {
  return { name, seeders: t.seeders, mib: t.mib, ok: false, error: err instanceof Error ? err.message.split('\n')[0] : String(err) }
}

export function mbPerS(bytes: number, ms: number): number {
  return Math.round((bytes / 1e6 / (ms / 1000)) * 100) / 100
}
