// Every bound a client can push against, named in one place. Values are defaults; config.ts lets an
// operator change each one by flag or environment variable. Sources for the defaults: aquatic_ws
// (64 KiB messages, 10 offers, 255 info hashes per scrape, 120 s offer age) and bittorrent-tracker.

export interface Limits {
  /** Largest WebSocket message accepted; ws closes the socket with 1009 past it (aquatic: 64 KiB). */
  maxMessageBytes: number
  /** Offers relayed per announce; extra offers are ignored (WebTorrent sends 5, aquatic takes 10). */
  maxOffersPerAnnounce: number
  /** Info hashes in one scrape request (aquatic: 255). */
  maxScrapeHashes: number
  /** Swarms one socket may be in at once (a client multiplexes all its torrents on one socket). */
  maxSwarmsPerSocket: number
  /** Peers in one swarm; announces past it get a failure reason. */
  maxPeersPerSwarm: number
  /** Open WebSocket connections in total; upgrades past it get HTTP 503. */
  maxConnections: number
  /** Open connections from one client address (0 = no limit). */
  maxConnectionsPerIp: number
  /** Token bucket per socket: messages per second refilled, and bucket size (burst). */
  messagesPerSecond: number
  messageBurst: number
  /** Messages dropped in a row past the bucket before the socket is closed (1008). */
  maxDroppedMessages: number
  /** Offers relayed to one peer and not yet answered that we remember (oldest forgotten first). */
  maxPendingOffersPerPeer: number
  /** Bytes queued for a socket that does not read; past it the socket is dropped as too slow. */
  maxBufferedBytes: number
}

export const defaultLimits: Limits = {
  maxMessageBytes: 64 * 1024,
  maxOffersPerAnnounce: 10,
  maxScrapeHashes: 255,
  maxSwarmsPerSocket: 256,
  maxPeersPerSwarm: 20_000,
  maxConnections: 100_000,
  maxConnectionsPerIp: 256,
  messagesPerSecond: 20,
  messageBurst: 200,
  maxDroppedMessages: 100,
  maxPendingOffersPerPeer: 32,
  maxBufferedBytes: 1024 * 1024,
}

/** Time rules, in seconds. */
export interface Timing {
  /** Announce interval told to clients (bittorrent-tracker tells ws clients 120 s). */
  interval: number
  /** A peer that has not announced for this long leaves its swarm (aquatic: 180 s peer age). */
  peerTtl: number
  /** An answer is relayed only while the offer it answers is younger than this (aquatic: 120 s). */
  offerTtl: number
  /** Ping every socket this often; one that did not pong since the last ping is dropped. */
  heartbeat: number
  /** A socket that sent no message for this long is closed, pongs or not. */
  idleTimeout: number
}

export const defaultTiming: Timing = {
  interval: 120,
  peerTtl: 300,
  offerTtl: 120,
  heartbeat: 30,
  idleTimeout: 900,
}
