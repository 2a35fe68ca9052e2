// The slice of the `magnet-uri` package (WebTorrent's magnet codec) the interop tests use; it ships
// no types.
declare module 'magnet-uri' {
  export interface MagnetUriObject {
    xt?: string | string[]
    infoHash?: string
    infoHashBuffer?: Uint8Array
    infoHashV2?: string
    name?: string
    dn?: string
    announce?: string[]
    urlList?: string[]
    tr?: string | string[]
    ws?: string | string[]
    xs?: string | string[]
    so?: number[]
    peerAddresses?: string[]
    [key: string]: unknown
  }
  export function decode(uri: string): MagnetUriObject
  export function encode(obj: MagnetUriObject): string
  const magnet: typeof decode
  export default magnet
}
