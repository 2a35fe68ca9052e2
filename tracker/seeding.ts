// `--seed DIR`: a Node peer inside the tracker process seeds every file and .torrent of DIR (the work is
// node/seed-folder.ts), announcing to this server's own WebSocket tracker over loopback, so the web app's
// share links for those files work with every tab closed; /stats lists the seeds.

import { NodePeer } from '../node/node-peer.ts'
import { SeedFolder, type SeedInfo } from '../node/seed-folder.ts'
import type { Config } from './config.ts'
import type { LogFields, Logger } from './log.ts'
import type { RunningServer } from './server.ts'

export interface Seeding {
  list(): SeedInfo[]
  stop(): Promise<void>
}

export async function startSeeding(config: Config, server: RunningServer, log: Logger): Promise<Seeding> {
  const trackers: string[] = []
  if (config.tlsCert === null) {
    const loopback = config.host.includes(':') ? '[::1]' : '127.0.0.1'
    trackers.push(`ws://${loopback}:${server.port}/announce`)
  } else {
    log.warn('--seed with --tls-cert: the seeds cannot announce to this server over loopback (its certificate names the public host); give --seed-announce wss://<host>/announce')
  }
  trackers.push(...config.seedAnnounce, ...config.trackers.filter((t) => t !== 'self'))
  const peer = await NodePeer.start({ port: config.seedPort, iceServers: config.iceServers })
  if (peer.webrtcError) log.warn(peer.webrtcError)
  const folder = await SeedFolder.start({
    dir: config.seedDir as string,
    peer,
    trackers,
    log: (level, msg, fields) => log[level](msg, fields as LogFields),
  })
  log.info('seeding folder', { dir: config.seedDir, seeds: folder.list().length, tcpPort: peer.port, webrtc: peer.pool !== null })
  return {
    list: () => folder.list(),
    stop: async () => {
      await folder.stop()
      await peer.stop()
    },
  }
}
