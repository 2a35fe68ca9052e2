// The engine's only contact with the world. Browser adapters (WebRTC, OPFS, WebCrypto) and Node
// adapters (in-memory, node:crypto) implement these; the engine never imports anything platform-specific.

/** A reliable, ordered byte stream to one peer (a WebRTC data channel, an in-memory pipe, ...). */
export interface Transport {
  /**
   * Queue bytes for sending. Returns false when the transport's buffer is above its high-water
   * mark: the caller should stop writing until `onDrain` fires. Bytes are never dropped.
   */
  write(bytes: Uint8Array): boolean
  /** Close the stream; `onClose` fires once, whichever side closed. */
  close(reason?: string): void
  /** A chunk is valid during the call only (a transport may release or reuse it after): copy what you keep. */
  onData: ((chunk: Uint8Array) => void) | null
  onDrain: (() => void) | null
  onClose: ((reason?: string) => void) | null
}

/** Where piece data lives. Offsets are within the torrent's whole byte range (files concatenated). */
export interface PieceStore {
  /** Read `length` bytes of piece `index` from `begin`. Only called for verified pieces. */
  read(index: number, begin: number, length: number): Promise<Uint8Array>
  /** Write a whole, already verified piece. `data` is lent for the call: the engine reuses its buffer
   *  once the promise settles, so a store copies what it keeps. */
  write(index: number, data: Uint8Array): Promise<void>
  /** Indices of pieces already verified and stored (for resume). */
  verified(): Promise<Iterable<number>>
}

/** SHA-1 (v1 pieces, BEP 3) and SHA-256 (v2 merkle leaves, BEP 52) over one buffer. */
export interface Hasher {
  sha1(data: Uint8Array): Promise<Uint8Array>
  sha256(data: Uint8Array): Promise<Uint8Array>
}

/** Time and timers: the engine never calls Date.now() or setTimeout itself, so tests run simulated time. */
export interface Clock {
  now(): number // milliseconds
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
  setInterval(fn: () => void, ms: number): unknown
  clearInterval(handle: unknown): void
}
