import type { BlockRef } from '../wire/messages.ts'
import { MAX_NEGOTIATED_BLOCK } from '../wire/limits.ts'
import { BoundedSet } from './bounded-set.ts'

// The two request queues of one peer connection, owned by its PeerSession: what we asked the peer
// for (awaiting a piece) and what the peer asked us for (awaiting service). The downloader and the
// uploader go through the session's methods; only the session changes these.

/** One number per block address (blocks start on 16 KiB boundaries, BEP 3). */
export const blockKey = (index: number, begin: number): number => index * 0x100000 + begin / 16384

/** Our requests to the peer, awaiting an answer, and those we withdrew (a piece may still come). */
export class OutgoingRequests {
  private readonly pending = new Map<number, { ref: BlockRef; sentAt: number }>()
  private readonly withdrawn: BoundedSet<number>

  constructor(maxWithdrawnRemembered: number) {
    this.withdrawn = new BoundedSet(maxWithdrawnRemembered)
  }

  get size(): number {
    return this.pending.size
  }

  /** The requests awaiting an answer, oldest first. */
  refs(): BlockRef[] {
    return [...this.pending.values()].map((r) => r.ref)
  }

  /** Whether a pending request covers the 16 KiB block at `begin` (it may start earlier: a larger block). */
  has(index: number, begin: number): boolean {
    return this.covering(index, begin) !== null
  }

  /** The pending request that covers the block at `begin`, if any. */
  covering(index: number, begin: number): BlockRef | null {
    for (let start = begin; start >= 0 && begin - start < MAX_NEGOTIATED_BLOCK; start -= 16384) {
      const r = this.pending.get(blockKey(index, start))
      if (r) return r.ref.begin + r.ref.length > begin ? r.ref : null
    }
    return null
  }

  add(ref: BlockRef, now: number): void {
    this.pending.set(blockKey(ref.index, ref.begin), { ref, sentAt: now })
  }

  /**
   * A piece arrived: the request it answers (removed), 'late' for an answer to a request we
   * withdrew, or null when we never asked for it (or asked for another length).
   */
  answer(index: number, begin: number, length: number): BlockRef | 'late' | null {
    const k = blockKey(index, begin)
    const r = this.pending.get(k)
    if (r && r.ref.length === length) {
      this.pending.delete(k)
      return r.ref
    }
    return this.withdrawn.delete(k) ? 'late' : null
  }

  /** The peer rejected a request (BEP 6): the ref, if it was pending. */
  rejected(index: number, begin: number): BlockRef | null {
    const k = blockKey(index, begin)
    const r = this.pending.get(k)
    if (!r) return null
    this.pending.delete(k)
    return r.ref
  }

  /** We withdraw a request (cancel): true if exactly this request (same length) was pending. */
  withdraw(ref: BlockRef): boolean {
    const k = blockKey(ref.index, ref.begin)
    if (this.pending.get(k)?.ref.length !== ref.length) return false
    this.pending.delete(k)
    this.withdrawn.add(k)
    return true
  }

  /** Withdraw every request (a choke without fast discards them, BEP 3). */
  withdrawAll(): BlockRef[] {
    const out: BlockRef[] = []
    for (const [k, r] of this.pending) {
      out.push(r.ref)
      this.withdrawn.add(k)
    }
    this.pending.clear()
    return out
  }

  /** Withdraw and return the requests sent at least `timeoutMs` ago. */
  expired(now: number, timeoutMs: number): BlockRef[] {
    const out: BlockRef[] = []
    for (const [k, r] of this.pending) {
      if (now - r.sentAt < timeoutMs) continue
      this.pending.delete(k)
      this.withdrawn.add(k)
      out.push(r.ref)
    }
    return out
  }

  /** The connection is gone: every pending request, forgotten. */
  clear(): BlockRef[] {
    const out = [...this.pending.values()].map((r) => r.ref)
    this.pending.clear()
    return out
  }
}

/** The peer's requests to us, in arrival order, bounded by the session's limit. */
export class IncomingRequests {
  private queue: BlockRef[] = []

  get length(): number {
    return this.queue.length
  }

  push(ref: BlockRef): void {
    this.queue.push({ index: ref.index, begin: ref.begin, length: ref.length })
  }

  shift(): BlockRef | undefined {
    return this.queue.shift()
  }

  /** Remove one request (a cancel): true if it was queued. */
  remove(ref: BlockRef): boolean {
    const at = this.queue.findIndex((r) => r.index === ref.index && r.begin === ref.begin && r.length === ref.length)
    if (at < 0) return false
    this.queue.splice(at, 1)
    return true
  }

  /** Empty the queue, returning what was in it. */
  clear(): BlockRef[] {
    const out = this.queue
    this.queue = []
    return out
  }
}
