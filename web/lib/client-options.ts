import type { Limits } from '../../shared/engine/index.ts'

// What the page's settings change in SwarmClient (settings.ts keeps them; AppState passes them on).

export interface ClientOptions {
  /** Keep seeding a finished torrent (else it is paused when it completes). Default true. */
  keepSeeding?: boolean
  /** Peers per torrent and over all torrents (PeerPool's caps). */
  maxPeersPerTorrent?: number
  maxPeersTotal?: number
  /** Connections per swarmdrop peer (PeerPool's `lanesPerPeer`; 1 = no lanes). Benchmarks compare. */
  lanesPerPeer?: number
  /** Rate limits over all torrents, bytes per second (0 = none). */
  downLimit?: number
  upLimit?: number
  /** Engine limits for every torrent opened (tests and benchmarks compare settings; read at construction). */
  engineLimits?: Partial<Limits>
}

/** How often the speed history takes a sample. */
export const SAMPLE_MS = 1_000
