// Just enough typing for the npm packages the interop test drives (they ship no declarations).
declare module 'bittorrent-protocol' {
  import { Duplex } from 'node:stream'
  export default class Wire extends Duplex {
    hasFast: boolean
    peerExtendedHandshake: Record<string, unknown> | undefined
    extendedHandshake: Record<string, unknown>
    use(ext: unknown): void
    handshake(infoHash: string, peerId: string, extensions?: { fast?: boolean; dht?: boolean }): void
    extended(ext: string | number, payload: unknown): void
    interested(): void
    unchoke(): void
    haveAll(): void
    request(index: number, offset: number, length: number, cb: (err: Error | null, block: Uint8Array) => void): void
  }
}

declare module 'bencode' {
  const bencode: { encode(value: unknown): Uint8Array; decode(data: Uint8Array): unknown }
  export default bencode
}
