// Runs a tracker in its own process (node --expose-gc) so memory.test.ts can measure its heap alone.
import { defaultConfig } from '../config.ts'
import { createLogger } from '../log.ts'
import { startServer } from '../server.ts'

const config = defaultConfig()
config.port = 0
config.host = '127.0.0.1'
config.limits.maxConnectionsPerIp = 0
config.webRoot = '/nonexistent'
const server = await startServer(config, { logger: createLogger('silent') })
const gc = (globalThis as { gc?: () => void }).gc
process.on('message', (msg: unknown) => {
  if (msg !== 'measure' || gc === undefined) return
  for (let i = 0; i < 4; i++) gc()
  process.send?.({ heapUsed: process.memoryUsage().heapUsed, connections: server.ws.conns.size, swarms: server.tracker.table.swarms.size })
})
process.on('disconnect', () => process.exit(0))
process.send?.({ port: server.port })
