import { describe, expect, it } from 'vitest'
import { backoffDelay, TRACKER_SOCKET_LIMITS } from './tracker-socket.ts'
import { flattenTiers, TRACKER_CLIENT_LIMITS } from './tracker-client.ts'

describe('backoffDelay', () => {
  it('doubles per attempt, between half and all of the ceiling, capped', () => {
    const { backoffBaseMs, backoffMaxMs } = TRACKER_SOCKET_LIMITS
    expect(backoffDelay(0, () => 0)).toBe(backoffBaseMs / 2)
    expect(backoffDelay(0, () => 1)).toBe(backoffBaseMs)
    expect(backoffDelay(3, () => 0.5)).toBe(backoffBaseMs * 8 * 0.75)
    expect(backoffDelay(50, () => 1)).toBe(backoffMaxMs)
    expect(backoffDelay(1e9, () => 0)).toBe(backoffMaxMs / 2)
  })
})

describe('flattenTiers', () => {
  it('keeps WebSocket trackers of every tier, in order, once each', () => {
    expect(flattenTiers([['ws://a/x', 'udp://b:1', 'wss://c'], 'ws://a/x', ['http://d/announce', 'wss://e']])).toEqual(['ws://a/x', 'wss://c', 'wss://e'])
  })
  it('bounds how many trackers a torrent can make us connect to', () => {
    const many = Array.from({ length: 100 }, (_, i) => `wss://t${i}.example/`)
    expect(flattenTiers([many])).toHaveLength(TRACKER_CLIENT_LIMITS.maxTrackers)
  })
})
