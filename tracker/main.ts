// `npm start` / `tsx tracker/main.ts [flags]`: the web app and the tracker on one port.
// See --help and docs/deploy.md. Prints `swarmdrop udp tracker on udp://HOST:PORT` (unless
// --udp-port 0) and then `swarmdrop listening on http://HOST:PORT` when ready.

import { ConfigError, parseConfig } from './config.ts'
import { createLogger } from './log.ts'
import { startServer } from './server.ts'

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
  const server = await startServer(config, { logger: log })
  // The UDP line first: whoever waits for "listening on" then knows both ports.
  if (server.udpPort !== null) process.stdout.write(`swarmdrop udp tracker on ${server.url.replace(/^https?:/, 'udp:').replace(/:\d+$/, ':' + String(server.udpPort))}\n`)
  process.stdout.write(`swarmdrop listening on ${server.url}\n`)
  log.info('listening', { url: server.url, udpPort: server.udpPort, webRoot: config.webRoot, tls: config.tlsCert !== null })

  let stopping = false
  const stop = (signal: string): void => {
    if (stopping) return
    stopping = true
    log.info('shutting down', { signal })
    // Force the exit if a client keeps a connection half-open.
    setTimeout(() => process.exit(0), 5000).unref()
    server.close().then(() => process.exit(0), () => process.exit(1))
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
