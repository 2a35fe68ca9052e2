import { networkInterfaces } from 'node:os'
import WebSocket from 'ws'
import { toHex } from '../shared/bytes.ts'
import { systemClock } from '../shared/engine/adapters/system-clock.ts'
import { webCryptoHasher } from '../shared/hash.ts'
import { newPeerId } from '../shared/peer-id.ts'
import { PeerPool, type PeerPoolOptions } from '../webrtc/peer-pool.ts'
import { TrackerSocketPool, type WebSocketClass } from '../webrtc/tracker-socket.ts'
import { ConnectionLimiter } from './connection-limiter.ts'
import type { PeerAddress } from './dialer.ts'
import { NODE_LIMITS } from './limits.ts'
import type { NodePeerHost } from './node-peer-host.ts'
import { NodeTorrent, type AddOptions } from './node-torrent.ts'
import { PeerListener } from './peer-listener.ts'
import { UdpTrackerClient } from './trackers/udp-tracker.ts'

// The Node peer: every torrent of one process, sharing one TCP listener (classic clients), one WebRTC
// peer pool and one set of WebSocket tracker sockets (browsers), one UDP tracker socket, and the
// connection caps. The CLI's `seed` and `download` and the tracker's `--seed` each run one.

export interface NodePeerOptions {
  /** TCP port to listen on: default 6881, 0 = any free port. */
  port?: number
  /** Address to listen on; default every interface. */
  host?: string
  /** WebRTC peers through WebSocket trackers (default on). */
  webrtc?: boolean
  iceServers?: RTCIceServer[]
  maxConnectionsPerAddress?: number
  peerId?: Uint8Array
  /** Incoming connections must name their torrent within this (tests shorten it). */
  handshakeTimeoutMs?: number
}

export const DEFAULT_PORT = 6881

export class NodePeer implements NodePeerHost {
  readonly peerId: Uint8Array
  readonly clientName = 'swarmdrop 0.1'
  readonly announceKey = crypto.getRandomValues(new Uint32Array(1))[0]!
  readonly hasher = webCryptoHasher
  readonly clock = systemClock
  readonly limiter: ConnectionLimiter
  readonly udp = new UdpTrackerClient()
  pool: PeerPool | null = null
  sockets: TrackerSocketPool | null = null
  /** Why WebRTC is off when it was asked for (the native module did not load). */
  webrtcError: string | null = null
  #listener: PeerListener | null = null
  #torrents = new Map<string, NodeTorrent>()
  #localIps: Set<string>
  #stopped = false

  private constructor(o: NodePeerOptions) {
    this.peerId = o.peerId ?? newPeerId()
    this.limiter = new ConnectionLimiter(o.maxConnectionsPerAddress ?? NODE_LIMITS.maxConnectionsPerAddress, NODE_LIMITS.maxTcpConnections)
    this.#localIps = new Set(['127.0.0.1', '::1', '0.0.0.0', '::'])
    for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) this.#localIps.add(a.address)
  }

  static async start(o: NodePeerOptions = {}): Promise<NodePeer> {
    const peer = new NodePeer(o)
    peer.#listener = await PeerListener.listen({
      port: o.port ?? DEFAULT_PORT,
      ...(o.host !== undefined ? { host: o.host } : {}),
      limiter: peer.limiter,
      route: (swarmId) => {
        // A hybrid torrent (BEP 52) is also known by its v2 info hash truncated to 20 bytes.
        const t = peer.#torrents.get(toHex(swarmId)) ?? peer.torrents().find((x) => x.answersTo(swarmId))
        return t ? (transport) => t.attachTcp(transport, false) : null
      },
      ...(o.handshakeTimeoutMs !== undefined ? { handshakeTimeoutMs: o.handshakeTimeoutMs } : {}),
    })
    if (o.webrtc !== false) await peer.#startWebrtc(o.iceServers ?? [])
    return peer
  }

  get port(): number {
    return this.#listener?.port ?? 0
  }

  get listener(): PeerListener {
    return this.#listener!
  }

  isSelf(a: PeerAddress): boolean {
    return a.port === this.port && this.#localIps.has(a.ip)
  }

  /** Add a torrent and start it (checking its data first); rejects, adding nothing, when it cannot start. */
  async add(o: AddOptions): Promise<NodeTorrent> {
    if (this.#stopped) throw new Error('the peer is stopped')
    const t = new NodeTorrent(this, o)
    if (this.#torrents.has(t.infoHashHex)) throw new Error(`already running: ${t.infoHashHex}`)
    this.#torrents.set(t.infoHashHex, t)
    try {
      await t.start()
    } catch (e) {
      this.#torrents.delete(t.infoHashHex)
      await t.stop().catch(() => {})
      throw e
    }
    return t
  }

  get(infoHashHex: string): NodeTorrent | undefined {
    return this.#torrents.get(infoHashHex)
  }

  torrents(): NodeTorrent[] {
    return [...this.#torrents.values()]
  }

  async remove(infoHashHex: string): Promise<void> {
    const t = this.#torrents.get(infoHashHex)
    if (!t) return
    this.#torrents.delete(infoHashHex)
    await t.stop()
  }

  /** `stopped` to every tracker of every torrent (bounded wait), then close everything. */
  async stop(): Promise<void> {
    if (this.#stopped) return
    this.#stopped = true
    await Promise.all([...this.#torrents.values()].map((t) => t.stop()))
    this.#torrents.clear()
    // Let the WebSocket `stopped` announces leave before their sockets close.
    await new Promise((r) => setTimeout(r, 100))
    this.pool?.destroy()
    this.sockets?.destroy()
    this.udp.close()
    await this.#listener?.close()
  }

  async #startWebrtc(iceServers: RTCIceServer[]): Promise<void> {
    let wrtc: PeerPoolOptions['wrtc']
    try {
      // Loaded only when WebRTC is wanted: a native module (prebuilt for Linux, macOS, Windows).
      wrtc = (await import('@roamhq/wrtc')).default as unknown as PeerPoolOptions['wrtc']
    } catch (e) {
      this.webrtcError = `WebRTC is off: @roamhq/wrtc did not load (${e instanceof Error ? e.message : String(e)})`
      return
    }
    this.pool = new PeerPool({ iceServers, wrtc })
    this.pool.onPeer = (infoHash, _remote, transport, initiator, lane) => {
      const t = this.#torrents.get(toHex(Uint8Array.from(infoHash, (c) => c.charCodeAt(0))))
      if (t) t.attach(transport, 'webrtc', undefined, initiator, lane)
      else transport.close('no such torrent here')
    }
    // ws offers what TrackerSocket uses of a WebSocket: onopen, onmessage (text as strings), onclose, send, close.
    this.sockets = new TrackerSocketPool({ WebSocket: WebSocket as unknown as WebSocketClass })
  }
}
