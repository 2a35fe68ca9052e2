import type { Socket } from 'node:net'
import type { Transport } from '../shared/engine/index.ts'
import { NODE_LIMITS } from './limits.ts'

// A connected TCP socket as the engine's Transport: a byte stream with back-pressure. `write()` is false
// once the socket's write buffer holds more than socketHighWaterMark (256 KiB, not the socket's own
// 16 KiB: a 16 KiB block alone would fill that, and every block would wait for a drain); `onDrain`
// follows the socket's 'drain', which comes when its buffer has emptied.

/** "1.2.3.4" from "::ffff:1.2.3.4" (a dual-stack listener's view of an IPv4 peer). */
export function plainAddress(address: string | undefined): string {
  return (address ?? 'unknown').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '')
}

/** "1.2.3.4:6881", "[::1]:6881". */
export function formatEndpoint(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`
}

export class TcpTransport implements Transport {
  onData: ((chunk: Uint8Array) => void) | null = null
  onDrain: (() => void) | null = null
  onClose: ((reason?: string) => void) | null = null
  /** The peer's IP address (IPv4 dotted, or IPv6). */
  readonly ip: string
  /** "ip:port" of the peer's end of this connection (for an incoming one, its ephemeral port). */
  readonly endpoint: string
  #socket: Socket
  #closed = false
  #waiting = false
  #corked = false

  /**
   * `prefix`: bytes already read from the socket (the listener reads the handshake's first 48 bytes to
   * find the torrent). They are delivered first, on a later turn, after the engine has set `onData`
   * and sent its own handshake; the socket stays paused until then so the order is kept.
   */
  constructor(socket: Socket, prefix?: Uint8Array) {
    this.#socket = socket
    this.ip = plainAddress(socket.remoteAddress)
    this.endpoint = formatEndpoint(this.ip, socket.remotePort ?? 0)
    socket.setNoDelay(true) // requests and haves are small; Nagle would hold them for the ACK
    socket.on('data', (chunk: Buffer) => this.#received(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)))
    socket.on('drain', () => {
      if (this.#closed || !this.#waiting) return
      this.#waiting = false
      this.onDrain?.()
    })
    socket.on('error', (err: Error) => this.#finish(err.message))
    socket.on('close', () => this.#finish('connection closed'))
    socket.on('end', () => this.#finish('closed by peer'))
    if (prefix && prefix.length > 0) {
      socket.pause()
      setImmediate(() => {
        this.#received(prefix)
        if (!this.#closed) socket.resume()
      })
    }
  }

  write(bytes: Uint8Array): boolean {
    if (this.#closed) return false
    // The engine writes a piece as header + block, and often several messages in one turn: corked until
    // the turn ends, they leave in one writev instead of a syscall each.
    if (!this.#corked) {
      this.#corked = true
      this.#socket.cork()
      process.nextTick(() => {
        this.#corked = false
        this.#socket.uncork()
      })
    }
    this.#socket.write(bytes)
    if (this.#socket.writableLength <= NODE_LIMITS.socketHighWaterMark) return true
    this.#waiting = true
    return false
  }

  close(reason?: string): void {
    this.#finish(reason ?? 'closed')
  }

  /** Bytes queued in the socket's write buffer (for tests and stats). */
  get bufferedAmount(): number {
    return this.#socket.writableLength
  }

  #received(bytes: Uint8Array): void {
    if (this.#closed) return
    this.onData?.(bytes)
  }

  #finish(reason: string): void {
    if (this.#closed) return
    this.#closed = true
    this.#socket.destroy()
    this.onClose?.(reason)
  }
}
