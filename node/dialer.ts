import { connect, isIP } from 'node:net'
import type { ConnectionLimiter } from './connection-limiter.ts'
import { NODE_LIMITS } from './limits.ts'
import { formatEndpoint, TcpTransport } from './tcp-transport.ts'

// Connects out to the TCP peers trackers name for one torrent: a bounded set of known addresses, a
// few half-open connections at a time, each with a timeout, and a growing rest for addresses that
// failed or dropped us, so a dead peer in every tracker reply is not dialled in a loop.

export interface PeerAddress {
  ip: string
  port: number
}

interface Known {
  address: PeerAddress
  failures: number
  /** Not dialled before this time (ms since the epoch). */
  restUntil: number
  connected: boolean
}

export interface DialerOptions {
  limiter: ConnectionLimiter
  /** Hand a connected transport to the torrent's engine. */
  attach: (transport: TcpTransport) => void
  /** How many peers the torrent has now (TCP and WebRTC): we stop dialling at `wantedPeers`. */
  peerCount: () => number
  /** Our own listening addresses, never dialled. */
  isSelf: (a: PeerAddress) => boolean
  now?: () => number
}

export class Dialer {
  /** Dial attempts and their outcomes (for stats and tests). */
  readonly counts = { attempts: 0, connected: 0, failed: 0 }
  #known = new Map<string, Known>()
  #dialling = 0
  #stopped = false
  #o: DialerOptions
  #now: () => number

  constructor(o: DialerOptions) {
    this.#o = o
    this.#now = o.now ?? Date.now
  }

  /** Addresses from a tracker reply; new ones are remembered (bounded) and dialled when there is room. */
  add(addresses: Iterable<PeerAddress>): void {
    for (const a of addresses) {
      if (!isIP(a.ip) || !Number.isInteger(a.port) || a.port < 1 || a.port > 65535 || this.#o.isSelf(a)) continue
      const key = formatEndpoint(a.ip, a.port)
      if (this.#known.has(key)) continue
      if (this.#known.size >= NODE_LIMITS.maxKnownAddresses) this.#forgetOne()
      if (this.#known.size >= NODE_LIMITS.maxKnownAddresses) break
      this.#known.set(key, { address: a, failures: 0, restUntil: 0, connected: false })
    }
    this.fill()
  }

  /** Start dials while the torrent wants peers and addresses are ready. Called again as peers leave. */
  fill(): void {
    const now = this.#now()
    for (const k of this.#known.values()) {
      if (this.#stopped || this.#dialling >= NODE_LIMITS.maxDialsPerTorrent) return
      if (this.#o.peerCount() + this.#dialling >= NODE_LIMITS.wantedPeers) return
      if (k.connected || k.restUntil > now) continue
      this.#dial(k)
    }
  }

  get knownCount(): number {
    return this.#known.size
  }

  stop(): void {
    this.#stopped = true
  }

  #dial(k: Known): void {
    const { ip, port } = k.address
    if (!this.#o.limiter.acquire(ip)) {
      k.restUntil = this.#now() + NODE_LIMITS.redialBaseMs
      return
    }
    this.counts.attempts++
    this.#dialling++
    k.connected = true
    const socket = connect({ host: ip, port })
    socket.setTimeout(NODE_LIMITS.connectTimeoutMs)
    let connected = false
    let connectedAt = 0
    socket.once('timeout', () => socket.destroy(new Error('connect timeout')))
    socket.on('error', () => {}) // 'close' follows and settles the attempt
    socket.once('connect', () => {
      connected = true
      connectedAt = this.#now()
      this.#dialling--
      this.counts.connected++
      socket.setTimeout(0)
      if (this.#stopped) return void socket.destroy()
      this.#o.attach(new TcpTransport(socket))
    })
    socket.once('close', () => {
      this.#o.limiter.release(ip)
      k.connected = false
      if (!connected) {
        this.#dialling--
        this.counts.failed++
      }
      // A connection that failed, or that the peer (or the engine) ended within a minute, rests before
      // the next try, longer each time; one that lasted resets the count.
      if (!connected || this.#now() - connectedAt < 60_000) k.failures++
      else k.failures = 0
      k.restUntil = this.#now() + Math.min(NODE_LIMITS.redialMaxMs, NODE_LIMITS.redialBaseMs * 2 ** Math.max(0, k.failures - 1))
      if (!this.#stopped) setImmediate(() => this.fill())
    })
  }

  /** Make room: forget an address that is resting and not connected (the one failing most). */
  #forgetOne(): void {
    let worst: string | null = null
    let worstFailures = -1
    for (const [key, k] of this.#known) {
      if (!k.connected && k.failures > worstFailures) {
        worst = key
        worstFailures = k.failures
      }
    }
    if (worst !== null) this.#known.delete(worst)
  }
}
