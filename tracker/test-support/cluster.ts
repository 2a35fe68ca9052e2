// Several tracker nodes in this test process on one real Redis, as separate `startServer`s would run
// in separate processes: each its own tables, sockets and Redis connections. They share a fake wall
// clock (what Redis keeps last announces by) so that tests age peers without sleeping.

import { join } from 'node:path'
import { tmpdir } from 'node:os'
import { defaultConfig, type Config } from '../config.ts'
import { createLogger } from '../log.ts'
import { startServer, type RunningServer } from '../server.ts'
import type { SharedTracker } from '../redis/shared-tracker.ts'
import type { Conn } from '../ws/connection.ts'

export interface TestNode extends RunningServer {
  wsUrl: string
  shared: SharedTracker<Conn>
}

export interface TestCluster {
  nodes: TestNode[]
  /** Wall-clock ms all nodes tell Redis; move it to age peers. */
  clock: { now: number }
  /** Start one more node on the same Redis. */
  add(tweak?: (c: Config) => void): Promise<TestNode>
  close(): Promise<void>
}

export function redisConfig(redisUrl: string, prefix: string, tweak: (c: Config) => void = () => {}): Config {
  const config = defaultConfig()
  config.port = 0
  config.host = '127.0.0.1'
  config.logLevel = 'silent'
  config.webRoot = join(tmpdir(), 'swarmdrop-no-web-root')
  config.redis = redisUrl
  config.redisPrefix = prefix
  config.timing.redisTimeout = 5
  tweak(config)
  return config
}

/** `count` nodes on the Redis at `redisUrl`, keys under a prefix of their own (tests do not meet). */
export async function startCluster(redisUrl: string, count: number, tweak: (c: Config) => void = () => {}): Promise<TestCluster> {
  const prefix = `test${Math.random().toString(36).slice(2, 8)}:`
  const clock = { now: Date.now() }
  const nodes: TestNode[] = []
  const add = async (more: (c: Config) => void = () => {}): Promise<TestNode> => {
    const config = redisConfig(redisUrl, prefix, c => { tweak(c); more(c) })
    const server = await startServer(config, { logger: createLogger('silent'), wallClock: () => clock.now })
    if (server.shared === null) throw new Error('not a shared tracker')
    const node = Object.assign(server, { wsUrl: `ws://127.0.0.1:${server.port}/announce`, shared: server.shared })
    nodes.push(node)
    return node
  }
  for (let i = 0; i < count; i++) await add()
  return { nodes, clock, add, close: async () => { await Promise.all(nodes.map(n => n.close())) } }
}
