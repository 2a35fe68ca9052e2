// `npm start` / `tsx tracker/main.ts [flags]`: the web app and the tracker on one port.
// See --help and docs/deploy.md. Prints `swarmdrop udp tracker on udp://HOST:PORT` (unless
// --udp-port 0) and then `swarmdrop listening on http://HOST:PORT` when ready.
// Exit codes: 0 stopped by a signal, 1 failed, 2 bad flags, 3 Redis unreachable at start (--redis).
// With --workers N (and --redis) this process forks N tracker processes (workers.ts) and watches them.

import cluster from 'node:cluster'
import { ConfigError, parseConfig } from './config.ts'
import { createLogger } from './log.ts'
import { StoreUnavailableError } from './redis/errors.ts'
import { startServer } from './server.ts'
import { startSeeding, type Seeding } from './seeding.ts'
import { runPrimary, type WorkerListening } from './workers.ts'

const EXIT_REDIS_UNREACHABLE = 3

async function main(): Promise<void> {
  let parsed
  try {
    parsed = parseConfig(process.argv.slice(2), process.env)
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`swarmdrop: ${err.message}\n`)
      process.exit(2)
    }
    throw err
  }
  if (parsed.kind === 'help') {
    process.stdout.write(parsed.text + '\n')
    return
  }
  const config = parsed.config
  const log = createLogger(config.logLevel)
  if (config.workers > 1 && cluster.isPrimary) return runPrimary(config, log)
  let seeding: Seeding | null = null
  let server
  try {
    server = await startServer(config, { logger: log, ...(config.seedDir !== null ? { seeds: () => seeding?.list() ?? [] } : {}) })
  } catch (err) {
    if (err instanceof StoreUnavailableError) {
      process.stderr.write(`swarmdrop: ${err.message}\n`)
      process.exit(EXIT_REDIS_UNREACHABLE)
    }
    throw err
  }
  const udpHost = config.udpHost ?? config.host
  const udpUrl = server.udpPort === null ? null : `udp://${udpHost.includes(':') ? `[${udpHost}]` : udpHost}:${server.udpPort}`
  if (cluster.isWorker) {
    // The primary prints the lines once every worker listens.
    process.send?.({ kind: 'listening', url: server.url, udpUrl } satisfies WorkerListening)
  } else {
    // The UDP line first: whoever waits for "listening on" then knows both ports.
    if (udpUrl !== null) process.stdout.write(`swarmdrop udp tracker on ${udpUrl}\n`)
    // --seed is refused with --workers (config.ts), so seeding only ever starts here, in a lone process.
    if (config.seedDir !== null) seeding = await startSeeding(config, server, log)
    process.stdout.write(`swarmdrop listening on ${server.url}\n`)
  }
  log.info('listening', { url: server.url, udpPort: server.udpPort, webRoot: config.webRoot, tls: config.tlsCert !== null, node: server.shared?.nodeId })

  let stopping = false
  const stop = (signal: string): void => {
    if (stopping) return
    stopping = true
    log.info('shutting down', { signal })
    // Force the exit if a client keeps a connection half-open.
    setTimeout(() => process.exit(0), 5000).unref()
    // The seeds first: their `stopped` announces go to this very server.
    Promise.resolve(seeding?.stop())
      .then(() => server.close())
      .then(() => process.exit(0), () => process.exit(1))
  }
  process.on('SIGTERM', () => stop('SIGTERM'))
  process.on('SIGINT', () => stop('SIGINT'))
  // bench/tracker runs us as a child: report CPU time over IPC when asked.
  process.on('message', (msg: unknown) => {
    if (msg === 'cpu' && process.send !== undefined) {
      process.send({ cpu: process.cpuUsage(), memory: process.memoryUsage(), connections: server.ws.conns.size })
    }
  })
}

main().catch((err: unknown) => {
  process.stderr.write(`swarmdrop: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`)
  process.exit(1)
})
