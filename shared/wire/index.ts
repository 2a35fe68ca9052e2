// The peer-wire codec (BEP 3, 6, 9, 10, 52): handshake, message encode/decode, extension payloads.
export * from './messages.ts'
export { PROTOCOL, HANDSHAKE_LENGTH, encodeHandshake, decodeHandshake, capabilitiesOf, reservedFor } from './handshake.ts'
export { encodeMessage, encodePieceParts, encodeExtendedMessage } from './encoder.ts'
export { WireDecoder, type WireEvent, type WireDecoderOptions } from './decoder.ts'
export * from './limits.ts'
export { EXTENDED_HANDSHAKE_ID, encodeExtendedHandshake, decodeExtendedHandshake } from './extended.ts'
export {
  METADATA_EXTENSION,
  METADATA_PIECE_SIZE,
  metadataPieceCount,
  metadataPieceLength,
  encodeMetadataMessage,
  decodeMetadataMessage,
} from './metadata.ts'
export { allowedFastSet, MAX_ALLOWED_FAST } from './allowed-fast.ts'
export { bitfieldLength } from './payload.ts'
export { proofHashCount } from './hash-messages.ts'
