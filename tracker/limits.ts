// Every bound a client can push against, named in one place. Values are defaults; config.ts lets an
// operator change each one by flag or environment variable. Sources for the defaults: aquatic_ws
// (64 KiB messages, 10 offers, 255 info hashes per scrape, 120 s offer age), aquatic_udp and
// opentracker (connection ids valid 2 minutes, 74 hashes per UDP scrape), and bittorrent-tracker.

export interface Limits {
  /** Largest WebSocket message accepted; the socket is closed with 1009 past it (aquatic: 64 KiB). */
  maxMessageBytes: number
  /** Offers relayed per announce; extra offers are ignored (WebTorrent sends 5, aquatic takes 10). */
  maxOffersPerAnnounce: number
  /** Info hashes in one WebSocket or HTTP scrape request (aquatic: 255). */
  maxScrapeHashes: number
  /** Swarms one socket may be in at once (a client multiplexes all its torrents on one socket). */
  maxSwarmsPerSocket: number
  /** Peers in one swarm, all protocols together; announces past it get a failure reason. */
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
  /** Messages queued for one socket within one event-loop turn; past it the socket is too slow. */
  maxOutboxMessages: number
  /** Classic peers given when an HTTP or UDP announce names no numwant (BEP 3 trackers: 50). */
  defaultNumwant: number
  /** Classic peers given at most, whatever numwant asks. */
  maxNumwant: number
  /** HTTP and UDP requests per second per client address (token bucket refill), and the burst. */
  requestsPerSecondPerIp: number
  requestBurstPerIp: number
  /** Client addresses whose request buckets we keep (the oldest is forgotten past it). */
  maxTrackedAddresses: number
  /** Info hashes in one UDP scrape (BEP 15: about 74 fit in one packet). */
  maxUdpScrapeHashes: number
  /** Largest UDP reply payload: announce replies give fewer peers rather than fragment (1500 - IPv6 - UDP headers). */
  maxUdpReplyBytes: number
  /** With --redis: calls awaiting Redis's reply at most; past it requests are answered from the node's own table. */
  maxRedisInFlight: number
  /** With --redis: browser peers that left while Redis was lost, remembered to remove them when it returns (the rest expire by the TTL). */
  maxLeftWhileLost: number
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
  maxOutboxMessages: 1024,
  defaultNumwant: 50,
  maxNumwant: 200,
  requestsPerSecondPerIp: 50,
  requestBurstPerIp: 500,
  maxTrackedAddresses: 65_536,
  maxUdpScrapeHashes: 74,
  maxUdpReplyBytes: 1452,
  maxRedisInFlight: 10_000,
  maxLeftWhileLost: 100_000,
}

/** Time rules, in seconds. */
export interface Timing {
  /** Announce interval told to clients (bittorrent-tracker tells ws clients 120 s). */
  interval: number
  /** `min interval` told to HTTP clients: re-announce no sooner than this, events aside. */
  minInterval: number
  /** A peer that has not announced for this long leaves its swarm (aquatic: 180 s peer age). */
  peerTtl: number
  /** An answer is relayed only while the offer it answers is younger than this (aquatic: 120 s). */
  offerTtl: number
  /** Ping every socket this often; one that did not pong since the last ping is dropped. */
  heartbeat: number
  /** A socket that sent no message for this long is closed, pongs or not. */
  idleTimeout: number
  /** A socket we sent a close frame on is destroyed if the client has not closed it by then. */
  closeTimeout: number
  /** A UDP connection id is accepted this long after it was given (BEP 15: two minutes). */
  connectionIdTtl: number
  /** With --redis: a Redis call not answered within this is failed (and the connection made again). */
  redisTimeout: number
  /**
   * With --redis: a node that has not said it is alive for this long is taken for gone: its browser
   * peers are not offered to, and their peer_ids may be announced on other nodes.
   */
  nodeTtl: number
}

export const defaultTiming: Timing = {
  interval: 120,
  minInterval: 60,
  peerTtl: 300,
  offerTtl: 120,
  heartbeat: 30,
  idleTimeout: 900,
  closeTimeout: 2,
  connectionIdTtl: 120,
  redisTimeout: 2,
  nodeTtl: 10,
}
