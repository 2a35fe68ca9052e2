import { createSocket, type Socket } from 'node:dgram'
import { performance } from 'node:perf_hooks'
import { seededRandom } from '../../shared/test-support/random.ts'
import { Link, type LinkConditions, type LinkCounters } from './link.ts'

// Test equipment, not product: a user-space UDP relay that puts network conditions (delay, jitter,
// loss, a bandwidth cap; link.ts) between WebRTC peers on one machine, where the kernel has no netem.
// For every real endpoint X (a peer's ICE host candidate) the relay binds a stand-in socket S(X); the
// test pages' signalling is rewritten so each peer learns S(X) instead of X (page-rewrite.ts). A
// datagram from Y arriving at S(X) is shaped on the link Y -> X and then sent to X *from S(Y)*, so X
// sees its peer at S(Y) and answers there: every packet of the connection crosses the relay, both ways.

interface Endpoint {
  address: string
  port: number
}

interface StandIn {
  real: Endpoint
  socket: Socket
  bound: Promise<Endpoint>
}

interface Pending {
  at: number
  data: Buffer
}

/** A link's datagrams waiting for their release time, in order (Link never reorders). */
class DelayLine {
  private readonly queue: Pending[] = []
  private head = 0
  private timer: NodeJS.Timeout | null = null

  constructor(private readonly deliver: (data: Buffer) => void) {}

  push(at: number, data: Buffer): void {
    if (this.head === this.queue.length && at <= performance.now()) return this.deliver(data) // nothing to wait for
    this.queue.push({ at, data })
    if (!this.timer) this.schedule()
  }

  clear(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    this.queue.length = 0
    this.head = 0
  }

  private schedule(): void {
    const next = this.queue[this.head]
    if (!next) return
    this.timer = setTimeout(() => this.release(), Math.max(0, next.at - performance.now()))
  }

  private release(): void {
    this.timer = null
    // Node's timers fire with millisecond granularity: release everything due within half of one.
    const now = performance.now() + 0.5
    while (this.head < this.queue.length && this.queue[this.head]!.at <= now) this.deliver(this.queue[this.head++]!.data)
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head)
      this.head = 0
    }
    this.schedule()
  }
}

export interface RelayOptions {
  conditions: LinkConditions
  /** Seed of the loss and jitter draws (every link gets its own stream from it). */
  seed?: number
  /** Most stand-ins (sockets) the relay will open: a bound for a test gone wrong. */
  maxStandIns?: number
}

export interface RelayStats {
  standIns: number
  links: { from: string; to: string; counters: LinkCounters }[]
}

export class UdpRelay {
  private readonly standIns = new Map<string, StandIn>()
  private readonly links = new Map<string, { link: Link; line: DelayLine }>()
  private nextSeed: number
  private closed = false

  constructor(private readonly o: RelayOptions) {
    this.nextSeed = o.seed ?? 1
  }

  get conditions(): LinkConditions {
    return this.o.conditions
  }

  /** The relay's stand-in for a real endpoint: send there to reach it through the conditions. */
  standIn(address: string, port: number): Promise<Endpoint> {
    return this.standInFor({ address, port }).bound
  }

  stats(): RelayStats {
    return {
      standIns: this.standIns.size,
      links: [...this.links.entries()].map(([k, v]) => {
        const [from = '', to = ''] = k.split(' -> ')
        return { from, to, counters: { ...v.link.counters } }
      }),
    }
  }

  close(): void {
    this.closed = true
    for (const l of this.links.values()) l.line.clear()
    for (const s of this.standIns.values()) s.socket.close()
    this.standIns.clear()
  }

  private standInFor(real: Endpoint): StandIn {
    const key = `${real.address}:${real.port}`
    const known = this.standIns.get(key)
    if (known) return known
    if (this.closed) throw new Error('relay closed')
    if (this.standIns.size >= (this.o.maxStandIns ?? 256)) throw new Error(`relay: more than ${this.o.maxStandIns ?? 256} endpoints`)
    const socket = createSocket(real.address.includes(':') ? 'udp6' : 'udp4')
    // Generous socket buffers: a burst waiting in the kernel is not the loss we are asked to make.
    const bound = new Promise<Endpoint>((ok, fail) => {
      socket.once('error', fail)
      socket.bind(0, real.address, () => {
        socket.off('error', fail)
        socket.setRecvBufferSize(4 << 20)
        socket.setSendBufferSize(4 << 20)
        const a = socket.address()
        ok({ address: a.address, port: a.port })
      })
    })
    const s: StandIn = { real, socket, bound }
    socket.on('message', (data, from) => this.forward(data, { address: from.address, port: from.port }, s))
    socket.on('error', () => {}) // ICMP unreachable after a peer left: nothing to do
    this.standIns.set(key, s)
    return s
  }

  /** `data` from `from` reached the stand-in of `to.real`: shape it on from -> to, then send it from from's stand-in. */
  private forward(data: Buffer, from: Endpoint, to: StandIn): void {
    if (this.closed) return
    const key = `${from.address}:${from.port} -> ${to.real.address}:${to.real.port}`
    let l = this.links.get(key)
    if (!l) {
      const out = this.standInFor(from).socket
      const dest = to.real
      l = { link: new Link(this.o.conditions, seededRandom(this.nextSeed++)), line: new DelayLine((d) => out.send(d, dest.port, dest.address)) }
      this.links.set(key, l)
    }
    const now = performance.now()
    const at = l.link.admit(data.length, now)
    if (at === null) return
    l.line.push(at, data)
  }
}
