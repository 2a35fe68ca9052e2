import { describe, expect, it } from 'vitest'
import { plan, type Costs } from './scale-model.ts'

const costs: Costs = { nodeMsPerWs: 0.5, nodeMsPerUdp: 0.1, redisMsPerWs: 0.06, redisMsPerUdp: 0.05, nodeBytesPerPeer: 5000, redisBytesPerPeer: 150 }

describe('the scale model', () => {
  it('turns peers, nodes and the interval into announce rates, cores and memory', () => {
    const p = plan(costs, 1_200_000, 10, 120, 1, 1)
    // 1.2M peers every 120 s = 10,000 announces/s, 1,000 per node; 0.5 ms each = 0.5 core per node.
    expect(p).toMatchObject({ announcesPerSec: 10_000, perNode: 1000, nodeCores: 0.5, redisCores: 0.6, nodeMemoryMB: 600, redisMemoryMB: 180 })
    // Redis saturates first: one core at 1.2M / 0.6 peers.
    expect(p.limit).toMatch(/^Redis/)
    expect(p.peersAtLimit).toBe(2_000_000)
  })

  it('weighs browsers and classic clients by their own costs, and finds the nodes saturating first when they are few', () => {
    const half = plan(costs, 1_200_000, 10, 120, 0.5, 1)
    expect(half).toMatchObject({ nodeCores: 0.3, redisCores: 0.55 })
    const two = plan(costs, 1_200_000, 2, 120, 1, 1)
    expect(two.nodeCores).toBe(2.5)
    expect(two.limit).toMatch(/^the nodes/)
    expect(two.peersAtLimit).toBe(480_000)
  })
})
