import { BLOCK_SIZE } from './limits.ts'

/**
 * How many requests to keep outstanding to a peer (WebTorrent's rule): enough to cover one second
 * of the peer's current rate in blocks of `blockLength`, plus 2 so a slow start still has something
 * in flight; never more than the peer said it accepts (BEP 10 `reqq`) nor our global cap.
 */
export function pipelineDepth(rateBytesPerSec: number, peerReqq: number, cap: number, blockLength = BLOCK_SIZE): number {
  const wanted = 2 + Math.ceil(Math.max(0, rateBytesPerSec) / blockLength)
  return Math.max(1, Math.min(wanted, peerReqq, cap))
}
