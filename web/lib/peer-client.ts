/// <reference path="./bittorrent-peerid.d.ts" />
import { Buffer } from 'buffer'
import peerid from 'bittorrent-peerid'

// A peer's client as a person reads it ("WebTorrent 2.1", "qBittorrent 4.6.2"). The peer's own word
// first: the `v` of its BEP 10 extended handshake. Else its peer id (BEP 20 styles), decoded by
// webtorrent's bittorrent-peerid. Two wraps around that package: it calls Node's global `Buffer`,
// which a page does not have (we pass the `buffer` package's), and it reads the Azureus prefix `SD`
// as Xunlei, which is our own peer id (newPeerId in swarm-client.ts), so that prefix is ours here.

const MAX_CLIENT_CHARS = 40

function clean(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\x00-\x1f\x7f]/g, '').trim().slice(0, MAX_CLIENT_CHARS)
}

/** `peerIdHex`: 40 hex digits; `extendedV`: the `v` of the peer's extended handshake, if any. */
export function clientName(peerIdHex: string | null, extendedV: string | null): string {
  if (extendedV && clean(extendedV)) return clean(extendedV)
  if (!peerIdHex || !/^[0-9a-f]{40}$/i.test(peerIdHex)) return 'Unknown'
  const bytes = Buffer.from(peerIdHex, 'hex')
  const prefix = bytes.subarray(0, 8).toString('latin1')
  const own = /^-SD(\d)(\d)(\d)(\d)-$/.exec(prefix)
  if (own) return `swarmdrop ${own[1]}.${own[2]}.${own[3]}`
  try {
    const { client, version } = peerid(bytes) as { client: string; version?: string }
    const name = clean(version ? `${client} ${version}` : client)
    return name && !/^unknown/i.test(name) ? name : 'Unknown'
  } catch {
    return 'Unknown'
  }
}
