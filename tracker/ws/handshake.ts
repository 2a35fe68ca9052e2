// The parts of RFC 6455 the tracker checks itself before handing an upgrade to the `ws` package:
// whether the request is a WebSocket handshake at all (4.2.1; `ws` would also accept the draft
// version 8, we take only 13), so refusals are ours to count, and the close codes we send (7.4.1).

import type { IncomingMessage } from 'node:http'

/** Close codes (7.4.1). */
export const CloseCode = {
  normal: 1000,
  goingAway: 1001,
  protocolError: 1002,
  noStatus: 1005,
  abnormal: 1006,
  invalidData: 1007,
  policyViolation: 1008,
  tooBig: 1009,
} as const

/** Why an upgrade request is not a valid WebSocket handshake (4.2.1), or null when it is. */
export function handshakeProblem(req: IncomingMessage): string | null {
  if (req.method !== 'GET') return 'method must be GET'
  if ((req.headers.upgrade ?? '').toLowerCase() !== 'websocket') return 'Upgrade must be websocket'
  if (req.headers['sec-websocket-version'] !== '13') return 'Sec-WebSocket-Version must be 13'
  const key = req.headers['sec-websocket-key']
  if (typeof key !== 'string' || !/^[+/0-9A-Za-z]{21}[AQgw]==$/.test(key)) return 'invalid Sec-WebSocket-Key'
  return null
}
