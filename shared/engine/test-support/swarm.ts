import { utf8 } from '../../bytes.ts'
import { MemoryStore } from '../adapters/memory-store.ts'
import { memoryPipe, type LinkOptions, type MemoryEnd, type Uplink } from '../adapters/memory-transport.ts'
import { VirtualClock } from '../adapters/virtual-clock.ts'
import type { Limits } from '../limits.ts'
import type { Hasher, PieceStore } from '../ports.ts'
import { Torrent, type PeerInfo } from '../torrent.ts'
import type { TorrentMeta } from '../torrent-meta.ts'
import { nodeHasher } from './node-hasher.ts'
import { seededRandom } from '../../test-support/random.ts'

// A discrete-event swarm: every node is a real Torrent; links are in-memory pipes with latency and
// bandwidth; time is virtual. Between timer events the microtask queue is drained (store reads,
// hashing), so a run is fast and identical every time.

export interface SimNode {
  name: string
  torrent: Torrent
  store: MemoryStore
  uplink: Uplink | undefined
  peerId: Uint8Array
}

export interface NodeOptions {
  /** Full content: the node starts as a seeder. */
  seed?: Uint8Array
  /**
   * Magnet mode: start from the info hash only (true: the swarm id); 'v2' from the v2 info hash alone,
   * 'hybrid' from both (BEP 52 magnets with btmh).
   */
  magnet?: boolean | 'v2' | 'hybrid'
  uplinkBytesPerSecond?: number
  limits?: Partial<Limits>
  store?: PieceStore & { pieces?: Map<number, Uint8Array> }
  /** Defaults to node:crypto's SHA-1. */
  hasher?: Hasher
  /** This node's view of the torrent (default: the swarm's), e.g. a .torrent without its piece layers. */
  meta?: TorrentMeta
}

export function peerIdFor(name: string): Uint8Array {
  const id = new Uint8Array(20).fill(0x2e)
  id.set(utf8.encode(`-SD0001-${name}`.slice(0, 20)))
  return id
}

export class Swarm {
  readonly clock = new VirtualClock()
  readonly nodes = new Map<string, SimNode>()
  readonly links: MemoryEnd[] = []
  private seed = 1

  constructor(readonly meta: TorrentMeta, readonly link: LinkOptions = { latencyMs: 20, bytesPerSecond: 2_000_000 }) {}

  async add(name: string, o: NodeOptions = {}): Promise<SimNode> {
    const store = (o.store as MemoryStore | undefined) ?? (o.seed ? MemoryStore.seeded(o.seed, this.meta.pieceLength) : new MemoryStore(this.meta.pieceLength))
    const peerId = peerIdFor(name)
    const v2 = this.meta.infoHashV2 ?? undefined
    const source = o.magnet === 'v2' ? v2!.slice(0, 20) : o.magnet ? this.meta.infoHash : (o.meta ?? this.meta)
    const torrent = await Torrent.open(source, { store, hasher: o.hasher ?? nodeHasher, clock: this.clock }, {
      peerId,
      limits: o.limits,
      random: seededRandom(this.seed++),
      ...(o.magnet === 'v2' || o.magnet === 'hybrid' ? { infoHashV2: v2! } : {}),
    })
    const uplink = o.uplinkBytesPerSecond ? { bytesPerSecond: o.uplinkBytesPerSecond, freeAt: 0 } : undefined
    const node = { name, torrent, store, uplink, peerId }
    this.nodes.set(name, node)
    return node
  }

  node(name: string): SimNode {
    const n = this.nodes.get(name)
    if (!n) throw new Error(`no node ${name}`)
    return n
  }

  connect(a: string, b: string, link: LinkOptions = this.link): void {
    const na = this.node(a)
    const nb = this.node(b)
    const [ta, tb] = memoryPipe(this.clock, { ...link, uplinks: [na.uplink, nb.uplink] })
    this.links.push(ta, tb)
    // `a` dials `b` (a hybrid's dialled side answers the dialler's v1 or v2 choice, BEP 52).
    na.torrent.addPeer(ta, { initiator: true })
    nb.torrent.addPeer(tb, { initiator: false })
  }

  /** A pipe whose one end joins `name`'s torrent; the other end is returned (for a RawPeer). */
  attach(name: string, link: LinkOptions = this.link, info: PeerInfo = {}): MemoryEnd {
    const [ours, theirs] = memoryPipe(this.clock, link)
    this.links.push(ours, theirs)
    this.node(name).torrent.addPeer(ours, info)
    return theirs
  }

  connectAll(names: string[]): void {
    for (let i = 0; i < names.length; i++) for (let j = i + 1; j < names.length; j++) this.connect(names[i]!, names[j]!)
  }

  /** Run virtual time until `done()` or `maxMs` of virtual time has passed (then throws). */
  async run(done: () => boolean, maxMs = 600_000): Promise<number> {
    const flush = () => new Promise<void>((r) => setImmediate(r))
    for (;;) {
      await flush()
      if (done()) return this.clock.now()
      if (this.clock.now() > maxMs) throw new Error(`simulation did not finish within ${maxMs} ms of virtual time`)
      const at = this.clock.nextAt()
      if (at === undefined) throw new Error('simulation stalled: nothing scheduled')
      while (this.clock.nextAt() === at) this.clock.step()
    }
  }

  destroy(): void {
    for (const n of this.nodes.values()) n.torrent.destroy()
  }
}
