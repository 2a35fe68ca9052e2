// What a parsed .torrent is (BEP 3, with BEP 12 tiers, BEP 19 web seeds, BEP 27 private, BEP 47
// padding files), and the limits parsing enforces, named in one place.

export interface TorrentFile {
  /** Path segments below the torrent's name (single-file torrents: [name]). Each segment is safe. */
  path: string[]
  length: number
  /** Byte offset of this file within the torrent's whole byte range (files concatenated). */
  offset: number
  /** BEP 47 padding file (attr contains "p"): its bytes are zeros and are never written to disk. */
  padding: boolean
  /** BEP 47 attributes as given ("p" padding, "x" executable, "h" hidden, "l" symlink). */
  attr?: string
}

export interface TorrentInfo {
  infoHash: Uint8Array // SHA-1 of infoBytes, 20 bytes
  infoHashHex: string
  name: string
  length: number // total of every file, padding included
  pieceLength: number
  pieceCount: number
  pieceHashes: Uint8Array // 20 * pieceCount bytes
  files: TorrentFile[]
  private: boolean
  /** The info dict's exact bytes as they appear in the .torrent: what BEP 9 serves to peers. */
  infoBytes: Uint8Array
}

export interface Metainfo extends TorrentInfo {
  /** BEP 12 tiers; falls back to [[announce]]; [] when the torrent names no tracker. */
  announce: string[][]
  /** BEP 19 web seeds. */
  urlList: string[]
  comment?: string
  createdBy?: string
  creationDate?: number // seconds since the epoch
}

export const metainfoLimits = {
  // 1 KiB..512 MiB. Old torrents use odd, non-power-of-two sizes, so only the range is checked.
  // Below 1 KiB the per-piece overhead (a 20-byte hash, a have message, a bitfield bit) is absurd;
  // above 512 MiB a whole piece must sit in memory for verification, which no tab can afford
  // (real torrents top out at 16-64 MiB).
  minPieceLength: 1024,
  maxPieceLength: 512 * 1024 * 1024,
  // Far beyond real torrents (a few thousand files at most); bounds the arrays we build.
  maxFiles: 100_000,
  // Directory depth of one file path.
  maxPathSegments: 256,
  // Trackers across all tiers and web seeds: a hostile torrent must not make us dial thousands.
  maxTrackers: 200,
  maxWebSeeds: 100,
} as const
