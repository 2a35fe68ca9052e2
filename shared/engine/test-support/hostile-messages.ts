import { BLOCK_SIZE, defaultLimits } from '../limits.ts'
import type { RawPeer } from './raw-peer.ts'

/**
 * Protocol violations a peer can send, each with what the close reason must say: the engine's hostile
 * suite runs them over in-memory pipes (hostile.test.ts), the Node peer's over real TCP sockets
 * (node/hostile-tcp.test.ts). `pieceCount` must not be a multiple of 8 (the bitfield needs spare bits).
 */
export function malformedMessages(pieceCount: number): [string, (p: RawPeer) => void, RegExp][] {
  const bitfieldBytes = Math.ceil(pieceCount / 8)
  return [
    ['an oversized message length', (p) => p.raw(new Uint8Array([0x7f, 0xff, 0xff, 0xff, 7])), /length/],
    ['an unknown message id', (p) => p.raw(new Uint8Array([0, 0, 0, 1, 99])), /unknown message id/],
    ['a have with the wrong payload size', (p) => p.raw(new Uint8Array([0, 0, 0, 3, 4, 0, 0])), /have/],
    ['a bitfield with spare bits set (a liar)', (p) => p.send({ type: 'bitfield', bits: new Uint8Array(bitfieldBytes).fill(0xff) }), /spare|bitfield/],
    ['a bitfield of the wrong length', (p) => p.send({ type: 'bitfield', bits: new Uint8Array(bitfieldBytes + 37) }), /bitfield/],
    ['a request longer than we serve (128 KiB)', (p) => p.send({ type: 'interested' }, { type: 'request', index: 0, begin: 0, length: defaultLimits.maxRequestLength + BLOCK_SIZE }), /request|length/],
    ['a request for a piece index beyond the torrent', (p) => p.send({ type: 'interested' }, { type: 'request', index: pieceCount + 1000, begin: 0, length: BLOCK_SIZE }), /request|index|range/],
    ['a have beyond the piece count', (p) => p.send({ type: 'haveNone' }, { type: 'have', index: pieceCount + 10_000 }), /have/],
    ['a malformed extended handshake', (p) => p.send({ type: 'extended', extId: 0, payload: new Uint8Array([0x64, 0x31]) }), /extended|bencode|protocol/i],
    ['a second handshake', (p) => p.raw(new Uint8Array(68).fill(19)), /protocol error/],
  ]
}
