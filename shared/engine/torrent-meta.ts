/**
 * What the engine needs of a torrent's info dict. `TorrentInfo` from shared/metainfo satisfies it
 * structurally; tests may build one by hand.
 */
export interface TorrentMeta {
  infoHash: Uint8Array
  length: number
  pieceLength: number
  pieceCount: number
  /** 20 bytes per piece, concatenated. */
  pieceHashes: Uint8Array
  /** The exact bencoded info dict, served to magnet peers (BEP 9). */
  infoBytes: Uint8Array
  files?: readonly { length: number; offset: number }[]
}

/** Turns verified info-dict bytes into a TorrentMeta (shared/metainfo's parseInfo). */
export type InfoParser = (infoBytes: Uint8Array, infoHash: Uint8Array) => Promise<TorrentMeta>
