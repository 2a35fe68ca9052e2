import { createServer, type AddressInfo, type Server, type Socket } from 'node:net'
import { bytesEqual, concatBytes } from '../shared/bytes.ts'
import type { ConnectionLimiter } from './connection-limiter.ts'
import { NODE_LIMITS } from './limits.ts'
import { plainAddress, TcpTransport } from './tcp-transport.ts'

// The TCP port classic clients connect to. One listener serves every torrent of the process: an
// incoming connection names its torrent only in its handshake (BEP 3: pstrlen, pstr, 8 reserved
// bytes, info hash), so the first 48 bytes are read here, under a deadline, and the connection is
// then handed, those bytes included, to the torrent's engine, which reads the handshake again.

const PROTOCOL = new TextEncoder().encode('\x13BitTorrent protocol')
const HANDSHAKE_PREFIX = 48 // 1 + 19 + 8 reserved + 20 info hash

/** The engine's attach for this info hash, or null when we have no such torrent. */
export type IncomingRouter = (infoHash: Uint8Array) => ((transport: TcpTransport) => void) | null

export interface ListenOptions {
  port: number
  /** Address to listen on; default: every interface, IPv4 and IPv6. */
  host?: string
  limiter: ConnectionLimiter
  route: IncomingRouter
  handshakeTimeoutMs?: number
}

export class PeerListener {
  /** Connections refused or dropped before reaching a torrent, by why (for stats and tests). */
  readonly refused = { capped: 0, notBitTorrent: 0, unknownTorrent: 0, timedOut: 0 }
  #server: Server
  #pending = new Set<Socket>()
  #o: ListenOptions

  private constructor(server: Server, o: ListenOptions) {
    this.#server = server
    this.#o = o
  }

  static listen(o: ListenOptions): Promise<PeerListener> {
    const server = createServer({ noDelay: true })
    const listener = new PeerListener(server, o)
    server.on('connection', (socket) => listener.#accept(socket))
    return new Promise((resolve, reject) => {
      server.once('error', reject)
      server.listen(o.port, o.host, () => {
        server.off('error', reject)
        server.on('error', () => {}) // after listening, errors concern single connections
        resolve(listener)
      })
    })
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port
  }

  /** Connections accepted whose handshake has not named a torrent yet. */
  get pendingCount(): number {
    return this.#pending.size
  }

  close(): Promise<void> {
    for (const s of this.#pending) s.destroy()
    return new Promise((resolve) => this.#server.close(() => resolve()))
  }

  #accept(socket: Socket): void {
    const ip = plainAddress(socket.remoteAddress)
    socket.on('error', () => socket.destroy())
    if (this.#pending.size >= NODE_LIMITS.maxPendingHandshakes || !this.#o.limiter.acquire(ip)) {
      this.refused.capped++
      socket.destroy()
      return
    }
    socket.once('close', () => this.#o.limiter.release(ip))
    this.#pending.add(socket)
    const chunks: Uint8Array[] = []
    let have = 0
    const done = (): void => {
      clearTimeout(timer)
      this.#pending.delete(socket)
      socket.off('data', onData)
    }
    // Absolute from the accept, not reset by each byte: a peer that trickles its handshake is cut.
    const timer = setTimeout(() => {
      done()
      this.refused.timedOut++
      socket.destroy()
    }, this.#o.handshakeTimeoutMs ?? NODE_LIMITS.handshakeTimeoutMs)
    const onData = (chunk: Buffer): void => {
      chunks.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength))
      have += chunk.byteLength
      const head = chunks.length === 1 ? chunks[0]! : concatBytes(chunks)
      const n = Math.min(head.length, PROTOCOL.length)
      if (!bytesEqual(head.subarray(0, n), PROTOCOL.subarray(0, n))) {
        // Not the plain BitTorrent handshake: an encrypted one (MSE), which we do not speak, or not
        // BitTorrent at all. Clients that prefer encryption retry in plain text.
        done()
        this.refused.notBitTorrent++
        socket.destroy()
        return
      }
      if (have < HANDSHAKE_PREFIX) return
      done()
      const attach = this.#o.route(head.subarray(28, 48))
      if (!attach) {
        this.refused.unknownTorrent++
        socket.destroy()
        return
      }
      attach(new TcpTransport(socket, head))
    }
    socket.on('data', onData)
  }
}
