// Every size bound the wire codec enforces on network input, named in one place.

/** The longest block (request length) we accept from or ask of a peer that advertises it
 * (`swarmdrop_max_block`, wire/extended.ts). A piece message of this size stays under Chromium's
 * 256 KiB data-channel message limit with its header. */
export const MAX_NEGOTIATED_BLOCK = 128 * 1024

/** BEP 3 blocks are 2^14 bytes; WebTorrent never sends or requests more (it rejects requests above
 * 128 KiB, but only ever asks for 16 KiB). Anything bigger from a browser peer is hostile. */
export const BLOCK_SIZE = 16384

/** libtorrent's default `max_pieces` is 0x200000 (2 Mi pieces): a bitfield for that many pieces is
 * 256 KiB. Used only while the piece count is unknown (a magnet before metadata arrives). */
export const MAX_PIECES_UNKNOWN_METADATA = 0x200000

/** BEP 10 messages we accept: our peers only send extended messages whose ids WE advertised
 * (ut_metadata and friends). The largest of those is a ut_metadata data message: a ~60-byte dict plus
 * one 16 KiB metadata piece. 64 KiB leaves 4x headroom for a big extended handshake (`m` with many
 * extensions) without letting one message pin a megabyte per connection. */
export const MAX_EXTENDED_PAYLOAD = 65536

/** BEP 52 `hashes` messages answer our own requests, which ask at most 512 hashes (BEP 52: "SHOULD
 * NOT be greater than 512") plus one uncle per proof layer (< 64): about 18 KiB. 64 KiB (48 header
 * bytes + up to 2046 hashes) leaves room without letting a peer pin more per connection. */
export const MAX_HASHES_PAYLOAD = 65536

/** BEP 52 hash request `length`: libtorrent answers up to 8192 (a whole 128 MiB piece's leaves)
 * and refuses more; so do we. */
export const MAX_HASH_REQUEST_LENGTH = 8192

/** Base and proof layers of a hash request: a safe-integer file has fewer than 40 merkle layers. */
export const MAX_MERKLE_LAYER = 63

export interface DecoderLimits {
  /** A length prefix above this is rejected as soon as its 4 bytes are read, before any buffering. */
  maxMessageLength: number
  /** Largest block in a piece message, and largest length in request/cancel/reject. */
  maxBlockLength: number
  /** Bitfield payload bound while the piece count is unknown (once known, it must be exact). */
  maxBitfieldLength: number
  /** Extended (BEP 10) message payload bound, including the ext id byte. */
  maxExtendedLength: number
  /** BEP 52 hashes payload bound. */
  maxHashesLength: number
}

export function defaultLimits(overrides: Partial<DecoderLimits> = {}): DecoderLimits {
  const maxBlockLength = overrides.maxBlockLength ?? BLOCK_SIZE
  const maxBitfieldLength = overrides.maxBitfieldLength ?? MAX_PIECES_UNKNOWN_METADATA / 8
  const maxExtendedLength = overrides.maxExtendedLength ?? MAX_EXTENDED_PAYLOAD
  const maxHashesLength = overrides.maxHashesLength ?? MAX_HASHES_PAYLOAD
  // The message length counts the id byte; a piece adds index and begin (8 bytes) to its block.
  const derived = 1 + Math.max(8 + maxBlockLength, maxBitfieldLength, maxExtendedLength, maxHashesLength)
  return {
    maxBlockLength,
    maxBitfieldLength,
    maxExtendedLength,
    maxHashesLength,
    maxMessageLength: overrides.maxMessageLength ?? derived,
  }
}

/** BEP 9 gives no bound on metadata size; the largest real info dicts are a few MiB. 16 MiB matches
 * the bencode decoder's input bound, so any metadata we accept can also be parsed. */
export const MAX_METADATA_SIZE = 16 * 1024 * 1024

/** BEP 10 `m`: real clients advertise about a dozen extensions. */
export const MAX_EXTENSIONS = 128
/** Longest extension name we keep (real ones are like "ut_metadata", "lt_donthave"). */
export const MAX_EXTENSION_NAME = 64
/** Longest `v` (client name) we keep. */
export const MAX_CLIENT_NAME = 256
/** Nesting allowed inside an extended handshake or ut_metadata dict (real ones nest 2 deep). */
export const MAX_EXTENDED_DEPTH = 16
