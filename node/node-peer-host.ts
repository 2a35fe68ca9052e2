import type { Clock, Hasher } from '../shared/engine/index.ts'
import type { PeerPool } from '../webrtc/peer-pool.ts'
import type { TrackerSocketPool } from '../webrtc/tracker-socket.ts'
import type { ConnectionLimiter } from './connection-limiter.ts'
import type { PeerAddress } from './dialer.ts'
import type { UdpTrackerClient } from './trackers/udp-tracker.ts'

/** What every torrent of a Node peer shares: identity, ports, connection caps, tracker sockets, WebRTC. */
export interface NodePeerHost {
  readonly peerId: Uint8Array
  readonly clientName: string
  /** Our TCP listening port (what trackers are told). */
  readonly port: number
  /** BEP 3 / BEP 15 `key`: random per process. */
  readonly announceKey: number
  readonly hasher: Hasher
  readonly clock: Clock
  readonly limiter: ConnectionLimiter
  readonly udp: UdpTrackerClient
  /** WebRTC (null when it is off): the peer pool and the WebSocket tracker sockets. */
  readonly pool: PeerPool | null
  readonly sockets: TrackerSocketPool | null
  isSelf(a: PeerAddress): boolean
}
