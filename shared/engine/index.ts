// The swarm engine's public surface: what the browser client and Node tools use.
export type { Clock, Hasher, PieceStore, Transport } from './ports.ts'
export { Torrent, type PeerInfo, type TorrentEvent, type TorrentOptions, type TorrentPorts } from './torrent.ts'
export type { InfoParser, TorrentMeta } from './torrent-meta.ts'
export { defaultLimits, BLOCK_SIZE, type Limits } from './limits.ts'
export type { ClosedPeer, PeerStats, TorrentStats } from './stats.ts'
export { MemoryStore } from './adapters/memory-store.ts'
export { memoryPipe, type LinkOptions, type Uplink } from './adapters/memory-transport.ts'
export { VirtualClock } from './adapters/virtual-clock.ts'
