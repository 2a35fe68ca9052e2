// Bounds and sizes of the browser client's long tasks (hashing, copying, streaming), in one place.
// Each bounds memory: nothing here scales with the size of a file or a torrent.

export const WEB_LIMITS = {
  /** Hash workers at most (fewer on a machine with fewer cores: one per core). */
  maxHashWorkers: 4,
  /** Bytes of pieces one hash job covers (at least one piece): progress granularity and load balance. */
  hashJobBytes: 16 << 20,
  /** Hash jobs queued per worker, so none waits for the page between jobs. */
  hashJobsPerWorker: 2,
  /** Pieces being copied from a dropped file into OPFS at once (each read and written in the OPFS worker). */
  copyPiecesInFlight: 4,
  /** Write buffers kept between writes to the OPFS worker (transfer-buffers.ts): a few pieces' worth. */
  opfsWriteBufferBytes: 8 << 20,
  /** Largest chunk a stream (/stream/...) moves at once. */
  streamChunkBytes: 1 << 20,
  /** A stream's first chunk; each next one doubles, up to streamChunkBytes. */
  streamFirstChunkBytes: 64 << 10,
  /** A stream's read-ahead: after the range a player asked for, this much more is fetched first. */
  streamReadAheadBytes: 4 << 20,
  /** How long a stream waits for the pieces of a range before it fails the request. */
  streamWaitMs: 120_000,
  /** Progress: the speed shown is over this window. */
  progressWindowMs: 3_000,
} as const
