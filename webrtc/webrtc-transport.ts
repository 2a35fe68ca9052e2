import './node-globals.ts'
import type SimplePeer from 'simple-peer'
import type { Transport } from '../shared/engine/ports.ts'

// A connected simple-peer data channel as the engine's Transport: a byte stream with back-pressure.

export const DATA_CHANNEL_LIMITS = {
  /** Largest single RTCDataChannel.send(), when the connection does not say (RFC 8831 sec. 6.6: a peer
   *  that announces no max-message-size takes 64 KiB). Otherwise the announced size, up to
   *  `maxSendCeiling`: each write (a piece message: header and block) then leaves as one message. */
  defaultSendBytes: 64 * 1024,
  /** Chromium announces 256 KiB; a 128 KiB block with its header fits well below. */
  maxSendCeiling: 256 * 1024,
  /** write() returns false once this much is queued in the channel... */
  highWaterMark: 1024 * 1024,
  /** ...and onDrain fires when the queue falls to this (the channel's bufferedamountlow event). */
  lowWaterMark: 256 * 1024,
  /** Where the channel has no bufferedamountlow event (`@roamhq/wrtc` in Node), bufferedAmount is
   *  polled this often while a writer waits: 1 MiB drains in about 40 ms at 25 MB/s. */
  drainPollMs: 5,
} as const

/** The parts of simple-peer's private state we read: its RTCDataChannel (for bufferedAmount) and its
 *  RTCPeerConnection (for the largest message the remote end accepts). */
type PeerWithChannel = SimplePeer.Instance & { _channel?: RTCDataChannel | null; _pc?: RTCPeerConnection | null }

/** ES2024's ArrayBuffer.prototype.transfer (Chromium 114+, Node 21+), beyond the project's ES2022 lib. */
type Es2024ArrayBuffer = ArrayBuffer & { transfer?: (length: number) => ArrayBuffer }

export class DataChannelTransport implements Transport {
  onData: ((chunk: Uint8Array) => void) | null = null
  onDrain: (() => void) | null = null
  onClose: ((reason?: string) => void) | null = null

  #peer: PeerWithChannel
  #channel: RTCDataChannel
  #closed = false
  #waitingForDrain = false
  #drainPoll: ReturnType<typeof setInterval> | null = null
  #hasLowEvent: boolean
  #maxSend: number
  bytesSent = 0
  bytesReceived = 0

  constructor(peer: SimplePeer.Instance) {
    this.#peer = peer as PeerWithChannel
    const channel = this.#peer._channel
    if (!channel) throw new Error('DataChannelTransport needs a connected simple-peer')
    this.#channel = channel
    const announced = this.#peer._pc?.sctp?.maxMessageSize
    this.#maxSend = announced && Number.isFinite(announced) && announced > 0 ? Math.min(announced, DATA_CHANNEL_LIMITS.maxSendCeiling) : DATA_CHANNEL_LIMITS.defaultSendBytes
    // simple-peer sets 64 KiB for its own stream writes; we send with peer.send() (no stream copies)
    // and own the threshold.
    channel.bufferedAmountLowThreshold = DATA_CHANNEL_LIMITS.lowWaterMark
    channel.addEventListener('bufferedamountlow', () => this.#drained())
    // Browsers define the threshold on RTCDataChannel.prototype; node-webrtc (@roamhq/wrtc) has
    // neither it nor the event, so there the writer's wait is polled (see #startDrainPoll).
    this.#hasLowEvent = 'bufferedAmountLowThreshold' in Object.getPrototypeOf(channel)
    // Messages are read from the channel itself: simple-peer's path pushes each one through its
    // readable stream, which copies it (its Buffer is not the stream's Buffer class): measured 0.55-0.9 s
    // of the leecher's main thread per 64 MiB (docs/performance.md). Replacing its onmessage handler
    // leaves its stream only what it buffered before this transport existed, delivered below first
    // (stream resumption is a microtask, ahead of the next message task), so the order is kept.
    channel.binaryType = 'arraybuffer'
    channel.onmessage = (event: MessageEvent<ArrayBuffer | string>) => {
      const data = event.data
      this.#received(typeof data === 'string' ? new TextEncoder().encode(data) : new Uint8Array(data))
      // Consumed (the engine copies what it keeps before onData returns: ports.ts): detaching the
      // buffer frees its memory now rather than at the page's next garbage collection, which for
      // ArrayBuffers comes only every few tens of MB (e2e/app-memory). transfer() is ES2024.
      if (typeof data !== 'string') (data as Es2024ArrayBuffer).transfer?.(0)
    }
    peer.on('data', (data: Uint8Array) => {
      // simple-peer hands out Buffers (Uint8Array subclasses): expose a plain view, no copy.
      this.#received(new Uint8Array(data.buffer, data.byteOffset, data.byteLength))
    })
    peer.on('close', () => this.#finish('closed by peer'))
    peer.on('error', (err: Error) => this.#finish(err.message))
  }

  #drained(): void {
    if (!this.#waitingForDrain || this.#closed) return
    this.#waitingForDrain = false
    this.#stopDrainPoll()
    this.onDrain?.()
  }

  #startDrainPoll(): void {
    if (this.#hasLowEvent || this.#drainPoll) return
    this.#drainPoll = setInterval(() => {
      if (this.#channel.bufferedAmount <= DATA_CHANNEL_LIMITS.lowWaterMark) this.#drained()
    }, DATA_CHANNEL_LIMITS.drainPollMs)
  }

  #stopDrainPoll(): void {
    if (this.#drainPoll) clearInterval(this.#drainPoll)
    this.#drainPoll = null
  }

  #received(bytes: Uint8Array): void {
    if (this.#closed) return
    this.bytesReceived += bytes.byteLength
    this.onData?.(bytes)
  }

  get bufferedAmount(): number {
    return this.#channel.bufferedAmount
  }

  write(bytes: Uint8Array): boolean {
    if (this.#closed) return false
    const max = this.#maxSend
    try {
      for (let at = 0; at < bytes.byteLength; at += max) {
        this.#peer.send(bytes.subarray(at, Math.min(at + max, bytes.byteLength)))
      }
    } catch (err) {
      // send() throws when the channel closed under us; the close event follows.
      this.#finish(err instanceof Error ? err.message : 'send failed')
      return false
    }
    this.bytesSent += bytes.byteLength
    if (this.#channel.bufferedAmount > DATA_CHANNEL_LIMITS.highWaterMark) {
      this.#waitingForDrain = true
      this.#startDrainPoll()
      return false
    }
    return true
  }

  close(reason?: string): void {
    this.#finish(reason ?? 'closed')
  }

  #finish(reason: string): void {
    if (this.#closed) return
    this.#closed = true
    this.#stopDrainPoll()
    this.#peer.destroy()
    this.onClose?.(reason)
  }
}
