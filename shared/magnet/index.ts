// Magnet links: parse what people paste and share, format what we share.
export type { MagnetLink } from './types.ts'
export { parseMagnet, parseInfoHashInput } from './parse.ts'
export { formatMagnet, composeSelect, magnetOf } from './format.ts'
export type { TorrentHashes } from './format.ts'
export { swarmIdOf } from './swarm-id.ts'
export { base32Decode, base32Encode } from './base32.ts'
export * from './limits.ts'
