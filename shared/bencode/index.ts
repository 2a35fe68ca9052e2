// Strict bencode (BEP 3): decode untrusted bytes into BValues, encode canonically, read dicts safely.
export type { BValue, BDict, BEncodable, DecodeOptions, Span } from './types.ts'
export { DEFAULT_MAX_DEPTH, DEFAULT_MAX_LENGTH } from './types.ts'
export { decode, decodePrefix, decodeWithSpans } from './decode.ts'
export { encode } from './encode.ts'
export * from './access.ts'
export { BencodeError } from '../errors.ts'
