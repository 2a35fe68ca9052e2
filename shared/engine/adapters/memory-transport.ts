import type { Clock, Transport } from '../ports.ts'

/** A node's upload capacity, shared by all the links it sends on (a slow seeder, a fast leecher). */
export interface Uplink {
  bytesPerSecond: number
  freeAt: number
}

export interface LinkOptions {
  latencyMs?: number
  /** Per-direction bandwidth of this link; Infinity = unlimited. */
  bytesPerSecond?: number
  /** Shared upload capacity of each side (index 0 = side A sends, 1 = side B sends). */
  uplinks?: [Uplink | undefined, Uplink | undefined]
  /** write() returns false once this many bytes are queued and unsent. */
  highWaterMark?: number
}

class MemoryEnd implements Transport {
  onData: ((chunk: Uint8Array) => void) | null = null
  onDrain: (() => void) | null = null
  onClose: ((reason?: string) => void) | null = null
  peer!: MemoryEnd
  closed = false
  /** Bytes written and not yet off the wire. */
  buffered = 0
  private blocked = false
  private linkFreeAt = 0
  private batch: Uint8Array[] = []
  private batchTimer: unknown = null
  sentBytes = 0

  constructor(
    private readonly clock: Clock,
    private readonly latency: number,
    private readonly bps: number,
    private readonly uplink: Uplink | undefined,
    private readonly highWater: number,
  ) {}

  write(bytes: Uint8Array): boolean {
    if (this.closed) return false
    this.buffered += bytes.length
    this.sentBytes += bytes.length
    if (this.latency === 0 && this.bps === Infinity && !this.uplink) {
      // Fast path (benchmarks): deliver everything written in this turn in one later turn.
      this.batch.push(bytes)
      this.batchTimer ??= this.clock.setTimeout(() => this.flushBatch(), 0)
    } else {
      const now = this.clock.now()
      let start = Math.max(now, this.linkFreeAt)
      if (this.uplink) start = Math.max(start, this.uplink.freeAt)
      const perLink = this.bps === Infinity ? 0 : (bytes.length * 1000) / this.bps
      const perNode = this.uplink ? (bytes.length * 1000) / this.uplink.bytesPerSecond : 0
      const sentAt = start + Math.max(perLink, perNode)
      this.linkFreeAt = sentAt
      if (this.uplink) this.uplink.freeAt = sentAt
      this.clock.setTimeout(() => {
        this.buffered -= bytes.length
        this.maybeDrain()
        if (this.latency === 0) this.deliver(bytes)
        else this.clock.setTimeout(() => this.deliver(bytes), this.latency)
      }, sentAt - now)
    }
    if (this.buffered >= this.highWater) this.blocked = true
    return !this.blocked
  }

  close(reason?: string): void {
    if (this.closed) return
    this.closed = true
    this.clock.setTimeout(() => this.onClose?.(reason), 0)
    const other = this.peer
    this.clock.setTimeout(() => other.remoteClosed(reason), Math.max(0, this.linkFreeAt - this.clock.now()) + this.latency)
  }

  private remoteClosed(reason?: string): void {
    if (this.closed) return
    this.closed = true
    this.onClose?.(reason ?? 'remote closed')
  }

  private flushBatch(): void {
    this.batchTimer = null
    const chunks = this.batch
    this.batch = []
    for (const c of chunks) {
      this.buffered -= c.length
      this.deliver(c)
    }
    this.maybeDrain()
  }

  private deliver(bytes: Uint8Array): void {
    if (!this.peer.closed) this.peer.onData?.(bytes)
  }

  private maybeDrain(): void {
    if (this.blocked && this.buffered < this.highWater / 2 && !this.closed) {
      this.blocked = false
      this.onDrain?.()
    }
  }
}

/** Two connected in-memory transports. Bytes are delivered in order, after latency and bandwidth. */
export function memoryPipe(clock: Clock, o: LinkOptions = {}): [MemoryEnd, MemoryEnd] {
  const latency = o.latencyMs ?? 0
  const bps = o.bytesPerSecond ?? Infinity
  const hwm = o.highWaterMark ?? 256 * 1024
  const a = new MemoryEnd(clock, latency, bps, o.uplinks?.[0], hwm)
  const b = new MemoryEnd(clock, latency, bps, o.uplinks?.[1], hwm)
  a.peer = b
  b.peer = a
  return [a, b]
}

export type { MemoryEnd }
