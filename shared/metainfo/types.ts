// What a parsed .torrent is (BEP 3, with BEP 12 tiers, BEP 19 web seeds, BEP 27 private, BEP 47
// padding files, BEP 52 v2 and hybrid torrents), and the limits parsing enforces, named in one place.

/**
 * BEP 52: 1 is a classic (BEP 3) torrent, 2 a v2-only one (file tree, SHA-256 merkle trees),
 * 'hybrid' carries both descriptions of the same piece-aligned files, so v1 and v2 peers share it.
 */
export type MetaVersion = 1 | 2 | 'hybrid'

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
  /** BEP 52 (v2 and hybrid): the root of the file's SHA-256 merkle tree; absent for empty and padding files. */
  piecesRoot?: Uint8Array
}

export interface TorrentInfo {
  metaVersion: MetaVersion
  /**
   * The 20-byte id of the swarm, on the wire and at trackers: the SHA-1 of infoBytes (v1, hybrid),
   * or for a v2-only torrent their SHA-256 truncated to 20 bytes (BEP 52).
   */
  infoHash: Uint8Array
  infoHashHex: string
  /** SHA-1 of infoBytes; null for a v2-only torrent. */
  infoHashV1: Uint8Array | null
  /** SHA-256 of infoBytes, 32 bytes; null for a v1 torrent. */
  infoHashV2: Uint8Array | null
  name: string
  length: number // total of every file, padding included
  pieceLength: number
  pieceCount: number
  /** v1 SHA-1 piece hashes, 20 * pieceCount bytes; empty for a v2-only torrent. */
  pieceHashes: Uint8Array
  /**
   * In torrent order. v2 files are piece-aligned: a v2-only torrent lists the padding libtorrent
   * implies after every file that does not end on a piece boundary (the last one too), as
   * BEP 47 padding files, so that offsets work the same for every version.
   */
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
  /**
   * BEP 52 piece layers, by pieces root (hex): one SHA-256 per piece of each file larger than a
   * piece, each checked against its file's root. A file whose layer the .torrent lacks is not here
   * (libtorrent accepts such files and fetches the layer from peers, as for a magnet). Empty for v1.
   */
  pieceLayers: Map<string, Uint8Array>
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
  // Directory depth of one file path (a v2 file tree nests one dict per segment).
  maxPathSegments: 256,
  // Pieces of one torrent: libtorrent's default max_pieces. A v1 torrent cannot exceed it anyway
  // (20 bytes a piece in a 16 MiB file); a v2 one states no per-piece data in its info dict, so a
  // few bytes could claim billions of pieces, and every bitfield is sized by this.
  maxPieces: 0x200000,
  // Entries of a v2 file tree (directories and files). A hostile tree of millions of empty
  // directories fits in a 16 MiB file; this bounds its walk. Real trees hold fewer directories
  // than files.
  maxFileTreeNodes: 200_000,
  // Trackers across all tiers and web seeds: a hostile torrent must not make us dial thousands.
  maxTrackers: 200,
  maxWebSeeds: 100,
} as const
