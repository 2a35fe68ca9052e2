// BEP 52 hash messages: `hash request` (21), `hashes` (22), `hash reject` (23). All three start with
// the same 48 bytes: pieces root (32), base layer, index, length, proof layers (u32 each); `hashes`
// then carries `length` hashes of the base layer followed by the uncle hashes of the proof layers
// that the base hashes do not already cover (BEP 52: "the first log2(length)-1 proof layers are
// omitted"). So the exact payload size follows from the header: checked here, statelessly; whether
// the request fits the file's tree (and was ours) is the engine's question.

import { ProtocolError } from '../errors.ts'
import { MAX_HASH_REQUEST_LENGTH, MAX_MERKLE_LAYER } from './limits.ts'
import type { HashRequest } from './messages.ts'

export const HASH_HEADER_LENGTH = 48
const HASH_SIZE = 32

/** Uncle hashes a `hashes` answer carries after its base hashes (libtorrent's arithmetic). */
export function proofHashCount(length: number, proofLayers: number): number {
  let leafs = 1
  while (leafs < length) leafs *= 2
  let layers = 0
  for (let n = leafs; n > 1; n /= 2) layers++
  // The base layer itself counts as the first proof layer: it is not a layer of uncles.
  return Math.max(0, proofLayers - (layers - 1))
}

/** Reads and bounds-checks the 48-byte header. `name` is the message, for errors. */
export function readHashHeader(payload: Uint8Array, name: string): HashRequest {
  const view = new DataView(payload.buffer, payload.byteOffset, HASH_HEADER_LENGTH)
  const r: HashRequest = {
    piecesRoot: payload.slice(0, HASH_SIZE),
    baseLayer: view.getUint32(32),
    index: view.getUint32(36),
    length: view.getUint32(40),
    proofLayers: view.getUint32(44),
  }
  if (r.length < 1 || r.length > MAX_HASH_REQUEST_LENGTH) throw new ProtocolError(`${name}: length ${r.length}, expected 1..${MAX_HASH_REQUEST_LENGTH}`)
  if (r.baseLayer > MAX_MERKLE_LAYER || r.proofLayers > MAX_MERKLE_LAYER) {
    throw new ProtocolError(`${name}: base layer ${r.baseLayer} / proof layers ${r.proofLayers} beyond any merkle tree (${MAX_MERKLE_LAYER})`)
  }
  if (r.index > 0x7fffffff) throw new ProtocolError(`${name}: index ${r.index} beyond any merkle tree`)
  return r
}

/** The hashes of a `hashes` payload: exactly `length` + proof hashes of 32 bytes, no more, no less. */
export function readHashes(payload: Uint8Array, r: HashRequest): Uint8Array {
  const expected = r.length + proofHashCount(r.length, r.proofLayers)
  const got = (payload.length - HASH_HEADER_LENGTH) / HASH_SIZE
  if (got !== expected) throw new ProtocolError(`hashes: ${got} hashes for length ${r.length} with ${r.proofLayers} proof layers, expected ${expected}`)
  return payload.subarray(HASH_HEADER_LENGTH)
}

/** Writes the 48-byte header at `at` of `out` (our own message: a bad field is a RangeError). */
export function writeHashHeader(out: Uint8Array, at: number, r: HashRequest, name: string): void {
  if (r.piecesRoot.length !== HASH_SIZE) throw new RangeError(`${name}.piecesRoot must be 32 bytes, got ${r.piecesRoot.length}`)
  const view = new DataView(out.buffer, out.byteOffset + at, HASH_HEADER_LENGTH)
  out.set(r.piecesRoot, at)
  const fields = [r.baseLayer, r.index, r.length, r.proofLayers] as const
  fields.forEach((v, i) => {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new RangeError(`${name} header field ${i} must be a u32, got ${v}`)
    view.setUint32(32 + 4 * i, v)
  })
}
