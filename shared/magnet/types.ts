/** A parsed magnet URI (BEP 9, BEP 53, BEP 52 btmh). */
export interface MagnetLink {
  /** v1 info hash, 20 bytes (from xt=urn:btih:, hex or base32). */
  infoHash?: Uint8Array
  /** The same, as 40 lowercase hex characters. */
  infoHashHex?: string
  /** v2 info hash: the 32-byte SHA-256 digest from xt=urn:btmh:1220<64 hex>. */
  infoHashV2?: Uint8Array
  /** dn: display name. */
  name?: string
  /** tr: tracker URLs, deduplicated, in order. */
  trackers: string[]
  /** ws: web seeds (BEP 19). */
  webSeeds: string[]
  /** xs: exact sources (.torrent URLs). */
  exactSources: string[]
  /** so (BEP 53): selected file indices, ranges expanded, ascending, distinct. */
  select?: number[]
  /** x.pe: peer addresses (host:port). */
  peers: string[]
}
