// Every peer-wire message, as one tagged union: the decoder produces these, the encoder consumes
// them, and the engine switches on `type`. Ids are from BEP 3, BEP 6 (fast), BEP 10 (extended) and
// BEP 52 (v2 hash messages).

export const MessageId = {
  choke: 0,
  unchoke: 1,
  interested: 2,
  notInterested: 3,
  have: 4,
  bitfield: 5,
  request: 6,
  piece: 7,
  cancel: 8,
  port: 9,
  suggest: 13,
  haveAll: 14,
  haveNone: 15,
  reject: 16,
  allowedFast: 17,
  extended: 20,
  hashRequest: 21,
  hashes: 22,
  hashReject: 23,
} as const

/** The 68-byte handshake (BEP 3). `reserved` carries the capability bits. */
export interface Handshake {
  infoHash: Uint8Array // 20 bytes
  peerId: Uint8Array // 20 bytes
  reserved: Uint8Array // 8 bytes
}

/** Capability bits read from (or written to) the handshake's reserved bytes. */
export interface Capabilities {
  extended: boolean // reserved[5] & 0x10, BEP 10
  fast: boolean // reserved[7] & 0x04, BEP 6
  dht: boolean // reserved[7] & 0x01
  v2: boolean // reserved[7] & 0x10, BEP 52
}

/**
 * BEP 52 hash request (also the header of `hashes` and `hash reject`): `length` hashes of the layer
 * `baseLayer` above the leaves of the file whose merkle root is `piecesRoot`, from `index`, with the
 * uncle hashes of `proofLayers` layers above them.
 */
export interface HashRequest {
  piecesRoot: Uint8Array // 32 bytes
  baseLayer: number
  index: number
  length: number
  proofLayers: number
}

/** A block address: used by request, cancel and reject. */
export interface BlockRef {
  index: number
  begin: number
  length: number
}

export type Message =
  | { type: 'keepAlive' }
  | { type: 'choke' }
  | { type: 'unchoke' }
  | { type: 'interested' }
  | { type: 'notInterested' }
  | { type: 'have'; index: number }
  | { type: 'bitfield'; bits: Uint8Array }
  | ({ type: 'request' } & BlockRef)
  | { type: 'piece'; index: number; begin: number; block: Uint8Array }
  | ({ type: 'cancel' } & BlockRef)
  | { type: 'port'; port: number }
  | { type: 'suggest'; index: number }
  | { type: 'haveAll' }
  | { type: 'haveNone' }
  | ({ type: 'reject' } & BlockRef)
  | { type: 'allowedFast'; index: number }
  /** BEP 10: extId 0 is the handshake (payload is a bencoded dict); others are negotiated ids. */
  | { type: 'extended'; extId: number; payload: Uint8Array }
  /** BEP 52: `hashes` holds the base layer's hashes, then the proof's uncles, 32 bytes each. */
  | ({ type: 'hashRequest' } & HashRequest)
  | ({ type: 'hashes'; hashes: Uint8Array } & HashRequest)
  | ({ type: 'hashReject' } & HashRequest)

export type MessageType = Message['type']

/** BEP 10 extended handshake, as decoded from its bencoded dict (unknown keys are kept aside). */
export interface ExtendedHandshake {
  m: Record<string, number> // extension name -> the sender's local id (0 = disabled)
  v?: string // client name and version
  p?: number // listen port
  reqq?: number // max outstanding requests the sender accepts
  /** `swarmdrop_max_block`: the longest request the sender serves, when above BEP 3's 16 KiB (swarmdrop peers). */
  maxBlock?: number
  metadataSize?: number // BEP 9 metadata_size
  yourip?: Uint8Array
}

/** BEP 9 ut_metadata messages. `data` carries the raw metadata piece after the dict. */
export type MetadataMessage =
  | { msgType: 'request'; piece: number }
  | { msgType: 'data'; piece: number; totalSize: number; data: Uint8Array }
  | { msgType: 'reject'; piece: number }
