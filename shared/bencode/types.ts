// The value model of bencode (BEP 3). Decoded byte strings are Uint8Array because most of them are
// not text (piece hashes, peer ids, compact peer lists); dict keys are binary (latin1) strings, one
// char per raw byte, so that a key compares and sorts exactly as its bytes do.

export type BDict = Map<string, BValue>
export type BValue = number | Uint8Array | BValue[] | BDict

/** What `encode` accepts: the decoded model plus conveniences for building messages by hand. */
export type BEncodable =
  | number
  | Uint8Array
  | string // encoded as UTF-8
  | BEncodable[]
  | Map<string, BEncodable> // keys are binary strings (as produced by decode)
  | { [key: string]: BEncodable | undefined } // keys are UTF-8 text; undefined values are skipped

/** Limits for decoding untrusted input. */
export interface DecodeOptions {
  /** Most containers (lists, dicts) nested inside each other. Default 64 (DEFAULT_MAX_DEPTH). */
  maxDepth?: number
  /** Largest accepted input, in bytes. Default 16 MiB (DEFAULT_MAX_LENGTH). */
  maxLength?: number
}

/** A half-open byte range [start, end) of the input. */
export interface Span {
  start: number
  end: number
}

// A .torrent nests 5 levels at most (top dict > info > files > file dict > path list); 64 leaves
// room for any honest extension message while bounding the work stack.
export const DEFAULT_MAX_DEPTH = 64
// The largest real .torrent files (thousands of files, small pieces) are a few MiB; BEP 9 caps
// metadata far below this in practice. Anything bigger is refused before a byte is parsed.
export const DEFAULT_MAX_LENGTH = 16 * 1024 * 1024
