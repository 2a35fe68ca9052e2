// Every bound and timing the engine uses, in one place. Network input can only grow a queue, map or
// buffer up to one of these; tests and adapters may override any of them through `Limits`.

/** BEP 3: blocks are 16 KiB: the unit the picker tracks, and what we request from most peers. */
export const BLOCK_SIZE = 16384

// Message sizes on the wire (a block, a bitfield, an extended message) are bounded by the codec's
// own limits in ../wire/limits.ts; the decoder holds at most one message of those sizes.
export interface Limits {
  /** Largest block a peer may request from us (advertised as `swarmdrop_max_block`); above it the
   *  peer is dropped. 128 KiB is also where WebTorrent and libtorrent draw the line. */
  maxRequestLength: number
  /** Block length we request from a peer that advertises it serves that much (a swarmdrop peer);
   *  16 KiB from everyone else. A multiple of 16 KiB; BLOCK_SIZE turns larger blocks off. */
  requestLength: number
  /** Requests from one peer queued for serving; beyond it we reject (fast) or drop the peer. */
  maxPeerRequestQueue: number
  /** The `reqq` we advertise in our extended handshake (BEP 10). */
  advertisedReqq: number
  /** Store reads one peer's serving runs ahead of its sends (a store read may be a worker round trip). */
  uploadReadsAhead: number
  /** Global cap on our outstanding requests to one peer, whatever its rate or reqq. */
  maxRequestsPerPeer: number
  /** Pieces with blocks in memory at once (partial pieces, and pieces being checked and stored). */
  maxPiecesInFlight: number
  /**
   * Bytes of those pieces at most: with big pieces (4 MiB for a 4 GiB torrent, 16 MiB above ~31 GiB)
   * a count alone would allow hundreds of MiB in memory. At least one piece is always allowed.
   */
  maxBytesInFlight: number
  /** Buffers of stored pieces kept for the next pieces, in bytes (piece-buffer.ts says why). */
  spareBufferBytes: number
  /**
   * Bytes of deadline pieces (streaming: the playhead and its read-ahead) the picker holds at once;
   * they may start past the two caps above. Enough to fill a fast peer's whole pipeline with them
   * (128 requests of 16 KiB), or the pipeline fills with other pieces and the player waits behind.
   */
  maxDeadlineBytes: number
  /** How many pieces are picked at random before rarest first takes over. */
  randomFirstPieces: number
  /** BEP 9 metadata larger than this is refused (a hostile metadata_size). */
  maxMetadataSize: number
  /** Peers per torrent. */
  maxPeers: number
  /** Pieces another peer's `have`s / allowed-fast / suggest may make us remember. */
  maxAllowedFast: number
  /** BEP 6: pieces a choked peer may still request from us, when we know its IPv4 address (0 = none). */
  allowedFastSetSize: number
  /** `have`s remembered from a peer before a magnet's piece count is known. */
  maxPendingHaves: number
  /** Peer ids remembered as banned (oldest forgotten first). */
  maxBanned: number
  /** Peer ids whose trust score (blame for failed pieces) is remembered (oldest forgotten first). */
  maxPeersScored: number
  /** Late pieces tolerated for requests we cancelled (endgame); remembered per peer. */
  maxCancelledRemembered: number
  handshakeTimeoutMs: number
  requestTimeoutMs: number
  /** Close a peer we have heard nothing from (not even a keep-alive) for this long. */
  idleTimeoutMs: number
  keepAliveIntervalMs: number
  /** Close a peer whose transport has refused writes (back-pressure) this long without draining. */
  writeStallTimeoutMs: number
  /** The torrent's housekeeping tick: timeouts, rate sampling, refilling pipelines. */
  tickMs: number
  rechokeIntervalMs: number
  optimisticIntervalMs: number
  /** An unchoked peer that sent us no block for this long is snubbing us. */
  snubTimeoutMs: number
  /** Peers we upload to at once, besides the optimistic unchoke; 0 turns uploading off entirely. */
  uploadSlots: number
  /** Window of the sliding rate meters. */
  rateWindowMs: number
  /** A peer that was the only sender of this many failed pieces is banned. */
  maxSoleHashFailures: number
  /** Trust score (+1 per good piece, -2 per shared bad piece) at or below which a peer is banned. */
  banTrustScore: number
  /** Unrequested pieces tolerated from a peer without the fast extension before we close. */
  maxUnrequestedPieces: number
  /** BEP 9 metadata requests outstanding to one peer. */
  metadataRequestsPerPeer: number
  metadataRequestTimeoutMs: number
  /** BEP 52 hash requests (piece layers, a failed piece's leaves) outstanding to one peer (libtorrent: 2). */
  maxHashRequestsPerPeer: number
  /** A hash request unanswered this long is asked of another peer. */
  hashRequestTimeoutMs: number
  /** Hash requests from one peer being answered at once (each may read a piece); beyond, rejected. */
  maxHashAnswersPerPeer: number
  /** A failed v2 piece waits this long for its leaves (to name the corrupt block) before v1-style blame. */
  leafHashTimeoutMs: number
}

export const defaultLimits: Limits = {
  maxRequestLength: 128 * 1024,
  requestLength: 128 * 1024,
  maxPeerRequestQueue: 256,
  advertisedReqq: 250,
  maxRequestsPerPeer: 128,
  uploadReadsAhead: 8,
  maxPiecesInFlight: 64,
  maxBytesInFlight: 32 << 20,
  spareBufferBytes: 8 << 20,
  maxDeadlineBytes: 8 << 20,
  randomFirstPieces: 4,
  maxMetadataSize: 8 << 20,
  maxPeers: 64,
  maxAllowedFast: 64,
  allowedFastSetSize: 10,
  maxCancelledRemembered: 512,
  maxPendingHaves: 16_384,
  maxBanned: 1_000,
  maxPeersScored: 1_000,
  handshakeTimeoutMs: 15_000,
  requestTimeoutMs: 30_000,
  idleTimeoutMs: 180_000,
  keepAliveIntervalMs: 60_000,
  writeStallTimeoutMs: 60_000,
  tickMs: 1_000,
  rechokeIntervalMs: 10_000,
  optimisticIntervalMs: 30_000,
  snubTimeoutMs: 60_000,
  uploadSlots: 4,
  rateWindowMs: 5_000,
  maxSoleHashFailures: 2,
  banTrustScore: -7,
  maxUnrequestedPieces: 8,
  metadataRequestsPerPeer: 4,
  metadataRequestTimeoutMs: 20_000,
  maxHashRequestsPerPeer: 2,
  hashRequestTimeoutMs: 20_000,
  maxHashAnswersPerPeer: 4,
  leafHashTimeoutMs: 60_000,
}
