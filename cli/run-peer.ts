import { DEFAULT_PORT, NodePeer } from '../node/node-peer.ts'
import type { NodeTorrent } from '../node/node-torrent.ts'
import { RunError, UsageError } from './errors.ts'
import { snapshot, type Reporter } from './progress.ts'

// What `seed` and `download` share: starting the Node peer on its port, reporting while it runs, and
// stopping cleanly (a `stopped` announce to every tracker) on Ctrl-C, SIGTERM, completion or a fault.

export const PEER_OPTIONS = {
  port: { type: 'string', short: 'p' },
  tracker: { type: 'string', multiple: true },
  json: { type: 'boolean' },
  'no-webrtc': { type: 'boolean' },
} as const

export function parsePort(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined
  const n = Number(raw)
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`--port must be 0..65535, not "${raw}"`)
  return n
}

/**
 * Starts the peer on `port` (default 6881). When the default is taken (another client runs) the OS
 * picks a port, with a notice; a port the user asked for must be free.
 */
export async function startPeer(o: { port: number | undefined; webrtc: boolean; iceServers: RTCIceServer[] }, reporter: Reporter): Promise<NodePeer> {
  const start = (port: number) => NodePeer.start({ port, webrtc: o.webrtc, iceServers: o.iceServers })
  let peer: NodePeer
  try {
    peer = await start(o.port ?? DEFAULT_PORT)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e
    if (o.port !== undefined) throw new RunError(`port ${o.port} is in use (try another --port, or --port 0 for any)`)
    peer = await start(0)
    reporter.warn(`port ${DEFAULT_PORT} is in use; listening on ${peer.port} instead`)
  }
  if (peer.webrtcError) reporter.warn(peer.webrtcError)
  return peer
}

/**
 * Reports until the torrent ends: done (when `exitWhenDone`), a disk fault, or a signal. Stops the
 * peer (announcing `stopped`) and returns the exit code: 0 done or stopped by the user while seeding,
 * 1 on a fault, 130/143 when a download was interrupted by SIGINT/SIGTERM.
 */
export function runUntilStopped(peer: NodePeer, t: NodeTorrent, reporter: Reporter, exitWhenDone: boolean): Promise<number> {
  return new Promise((resolve) => {
    let ending = false
    const timer = setInterval(() => reporter.progress(snapshot(t)), 1000)
    const end = (code: number): void => {
      if (ending) return
      ending = true
      clearInterval(timer)
      reporter.progress(snapshot(t))
      reporter.finish()
      peer.stop().then(
        () => resolve(code),
        () => resolve(code || 1),
      )
    }
    const onSignal = (signal: 'SIGINT' | 'SIGTERM'): void => {
      if (ending) {
        process.exit(signal === 'SIGINT' ? 130 : 143) // a second Ctrl-C: do not wait for the trackers
      }
      reporter.event({ type: 'stopping', signal }, `stopping (${signal}): telling the trackers...`)
      const finished = t.state === 'seeding'
      end(finished ? 0 : signal === 'SIGINT' ? 130 : 143)
    }
    process.on('SIGINT', () => onSignal('SIGINT'))
    process.on('SIGTERM', () => onSignal('SIGTERM'))
    t.on((e) => {
      if (e.type === 'done') {
        reporter.event({ type: 'done', infoHash: t.infoHashHex, name: t.name }, `complete: ${t.name} (all pieces verified)`)
        if (exitWhenDone) end(0)
      } else if (e.type === 'failed') {
        reporter.warn(e.message, 'failed')
        end(1)
      } else if (e.type === 'metadata') {
        reporter.event({ type: 'metadata', name: t.name, pieceCount: t.info?.pieceCount ?? null, length: t.info?.length ?? null }, `metadata: ${t.name}`)
      } else if (e.type === 'error') {
        reporter.warn(e.message)
      }
    })
    if (exitWhenDone && t.state === 'seeding') {
      reporter.event({ type: 'done', infoHash: t.infoHashHex, name: t.name }, `already complete: ${t.name}`)
      end(0)
    }
    reporter.progress(snapshot(t))
  })
}
