/**
 * What the engine needs of a torrent's info dict. `TorrentInfo` from shared/metainfo satisfies it
 * structurally (and `Metainfo`, with the piece layers of its .torrent); tests may build one by hand.
 */
export interface TorrentMeta {
  /** The 20-byte swarm id: the v1 info hash, or a v2-only torrent's SHA-256 truncated (BEP 52). */
  infoHash: Uint8Array
  length: number
  pieceLength: number
  pieceCount: number
  /** v1 SHA-1s, 20 bytes per piece, concatenated; empty for a v2-only torrent. */
  pieceHashes: Uint8Array
  /** The exact bencoded info dict, served to magnet peers (BEP 9). */
  infoBytes: Uint8Array
  /** SHA-1 of the info dict (null for v2-only); absent: `infoHash` is the v1 hash (a v1 torrent). */
  infoHashV1?: Uint8Array | null
  /** SHA-256 of the info dict, 32 bytes (v2 and hybrid). */
  infoHashV2?: Uint8Array | null
  /** BEP 52: 2 and 'hybrid' verify pieces by SHA-256 merkle roots; absent means 1. */
  metaVersion?: 1 | 2 | 'hybrid'
  /** Files in torrent order; v2 and hybrid ones are piece-aligned, with their merkle roots. */
  files?: readonly { length: number; offset: number; padding?: boolean; piecesRoot?: Uint8Array }[]
  /** BEP 52 piece layers by pieces root (hex), each checked against its root (shared/metainfo). */
  pieceLayers?: ReadonlyMap<string, Uint8Array>
}

/** Turns verified info-dict bytes into a TorrentMeta (shared/metainfo's parseInfo). */
export type InfoParser = (infoBytes: Uint8Array, infoHash: Uint8Array) => Promise<TorrentMeta>
