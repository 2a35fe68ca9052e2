// Every bound and timing of the Node peer's adapters, in one place (the engine's own are in
// shared/engine/limits.ts). Network input can grow a queue, map or buffer only up to one of these.

export const NODE_LIMITS = {
  // ---- TCP (listener and dialer) ----------------------------------------------------------
  /** Incoming connections at once, over all torrents, before their handshake names a torrent. */
  maxPendingHandshakes: 256,
  /** Connections (in and out, handshaken or not) from or to one IP address: a single host cannot
   *  fill our peer slots (libtorrent allows one per IP unless told otherwise; NAT'd homes share one). */
  maxConnectionsPerAddress: 4,
  /** TCP connections over the whole process. */
  maxTcpConnections: 500,
  /** An incoming connection must send the 48 bytes that name its torrent within this time, whatever
   *  its pace: a slow-loris that trickles a byte a second is cut here, not at the engine's idle timeout. */
  handshakeTimeoutMs: 10_000,
  /** Outgoing connection attempts at once per torrent (half-open connections), and their timeout. */
  maxDialsPerTorrent: 8,
  connectTimeoutMs: 10_000,
  /** Peer addresses from trackers remembered per torrent, waiting to be dialled. */
  maxKnownAddresses: 1_000,
  /** After a failed dial, the address rests this long (doubling per failure, up to the max). */
  redialBaseMs: 30_000,
  redialMaxMs: 30 * 60_000,
  /** Outgoing peers per torrent we aim for; beyond it we stop dialling (incoming still accepted). */
  wantedPeers: 30,
  /** The socket's write buffer: `write()` returns false above this (the engine waits for drain). */
  socketHighWaterMark: 256 * 1024,

  // ---- trackers (HTTP and UDP; WebSocket trackers: webrtc/tracker-client.ts) -----------------
  trackerTimeoutMs: 15_000,
  /** A tracker reply bigger than this is refused unread (50 compact peers take 300 bytes). */
  maxTrackerReplyBytes: 1 << 20,
  /** Peers asked for per announce. */
  numwant: 50,
  /** A tracker's interval is clamped into this range. */
  minAnnounceIntervalS: 30,
  maxAnnounceIntervalS: 3_600,
  defaultAnnounceIntervalS: 1_800,
  /** After a failed announce, retry after this (doubling per failure, up to the max interval). */
  announceRetryBaseS: 15,
  /** The `stopped` announces on shutdown get this long before we exit anyway. */
  stopAnnounceTimeoutMs: 3_000,
  /** BEP 15: retransmit after 15 * 2^n seconds, n up to 8 (over an hour). We give up much sooner:
   *  three tries, 3 s apart doubling, and let the next announce try again. */
  udpRetries: 3,
  udpRetryBaseMs: 3_000,
  /** BEP 15: a connection id may be used for one minute after it was received. */
  udpConnectionIdTtlMs: 60_000,
  /** UDP transactions waiting for a reply, over the whole process. */
  maxUdpTransactions: 1_000,
  /** Trackers per torrent (across tiers) we announce to. */
  maxTrackers: 20,

  // ---- storage ----------------------------------------------------------------------------
  /** Open file handles per torrent (least recently used closed first). */
  maxOpenFiles: 64,
  /** The resume file is rewritten at most this often while pieces arrive, and on close. */
  resumeSaveIntervalMs: 5_000,
  /** How often the files of a torrent are checked for having vanished or shrunk under us. */
  fileWatchIntervalMs: 10_000,
  /** Uploads read a window (a piece, or this much of a bigger piece) at once and serve its blocks from
   *  it (node/read-windows.ts): one file read instead of one per block, about 4x less CPU. */
  readWindowBytes: 1 << 20,
  /** Windows kept for the blocks that follow (their buffers reused); 0: every block read on its own. */
  readCacheBytes: 8 << 20,
  /** Pieces read and hashed at once while checking existing data (seed, resume). */
  checkReadsAhead: 4,
} as const
