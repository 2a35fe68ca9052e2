// Bounds on what a magnet URI may make us hold, named in one place.

/** Whole URI. Real magnets with ~100 trackers stay under 8 KiB; 64 KiB leaves room and no more. */
export const MAX_MAGNET_LENGTH = 65536
/** Query parameters looked at; the rest of an absurd URI is refused. */
export const MAX_PARAMS = 1024
/** tr / ws / xs / x.pe values kept, each. Public tracker lists run to ~100; extras are dropped. */
export const MAX_TRACKERS = 100
export const MAX_WEB_SEEDS = 32
export const MAX_EXACT_SOURCES = 32
export const MAX_PEERS = 200
/** BEP 53 `so`: most file indices one magnet may select. Ranges are expanded into a list, so this
 * bounds that list (10k numbers cost well under a millisecond; 100k cost 3-5 ms here). */
export const MAX_SELECTED = 10_000
/** Highest file index `so` may name (also bounds a single range). */
export const MAX_FILE_INDEX = 0xfffffff
