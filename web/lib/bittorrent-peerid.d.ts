// bittorrent-peerid ships no types. See web/lib/peer-client.ts for how it is wrapped.
declare module 'bittorrent-peerid' {
  export default function peerid(peerId: Uint8Array | string): { client: string; version?: string }
}
