// Typed errors: every parser in shared/ returns a value or throws one of these, never anything else.
// Each says what went wrong and, where it applies, at which byte offset.

export class SwarmdropError extends Error {
  constructor(message: string) {
    super(message)
    this.name = new.target.name
  }
}

/** Malformed bencode. `offset` is the byte position where decoding failed. */
export class BencodeError extends SwarmdropError {
  constructor(message: string, readonly offset: number) {
    super(`${message} at byte ${offset}`)
  }
}

/** A .torrent that decodes but is not a valid (or supported) metainfo file. */
export class MetainfoError extends SwarmdropError {}

/** A magnet URI that cannot be used. */
export class MagnetError extends SwarmdropError {}

/** A peer broke the wire protocol: the session should be closed (and the peer maybe penalised). */
export class ProtocolError extends SwarmdropError {}
