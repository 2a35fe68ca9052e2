import { mkdir, readFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { toHex } from '../shared/bytes.ts'
import { parseTorrent } from '../shared/metainfo/index.ts'
import { swarmIdOf, type MagnetLink } from '../shared/magnet/index.ts'
import type { TorrentSource } from '../node/node-torrent.ts'
import { STATE_DIR } from '../node/resume-file.ts'
import { parseTorrentInput } from '../web/lib/share-link.ts'
import { UsageError } from './errors.ts'
import { readTorrent } from './inspect.ts'
import { appOrigin, findOurServer, type OurServer } from './our-server.ts'
import { Reporter } from './progress.ts'
import { parsePort, PEER_OPTIONS, runUntilStopped, startPeer } from './run-peer.ts'

// `download <file.torrent | magnet | share link> [-o DIR]`: fetches from every peer it can reach (TCP
// and WebRTC), verifies each piece, writes the files into DIR, and exits 0 when complete. What is
// already in DIR (a previous run, or the files from elsewhere) is checked and kept.

function looksLikeLink(input: string): boolean {
  return /^(magnet:|https?:\/\/)/i.test(input) || /^([0-9a-f]{40}|[a-z2-7]{32})$/i.test(input)
}

export async function runDownload(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: { ...PEER_OPTIONS, output: { type: 'string', short: 'o' }, seed: { type: 'boolean' } },
  })
  if (positionals.length !== 1) throw new UsageError('download takes one .torrent file, magnet link or share link')
  const input = positionals[0]!
  const port = parsePort(values.port)
  const extra = values.tracker ?? []
  const dir = resolve(values.output ?? '.')
  const reporter = Reporter.forTerminal(values.json ?? false)

  let source: TorrentSource
  let ours: OurServer | null
  if (looksLikeLink(input)) {
    const magnet: MagnetLink = parseTorrentInput(input, extra)
    // A share link names the server whose web app made it: its config has the trackers and ICE servers.
    const linkOrigin = /^https?:\/\//i.test(input) ? appOrigin(input) : null
    ours = await findOurServer([...(linkOrigin ? [linkOrigin] : []), ...magnet.trackers])
    if (magnet.trackers.length === 0 && ours) magnet.trackers.push(...ours.config.trackers)
    source = (await savedMetadata(dir, toHex(swarmIdOf(magnet)))) ?? { kind: 'magnet', magnet }
  } else {
    const metainfo = await readTorrent(input)
    source = { kind: 'torrent', metainfo, bytes: new Uint8Array(await readFile(input)) }
    ours = await findOurServer([...metainfo.announce.flat(), ...extra])
  }
  await mkdir(dir, { recursive: true })

  const peer = await startPeer({ port, webrtc: !values['no-webrtc'], iceServers: ours?.config.iceServers ?? [] }, reporter)
  let t
  try {
    t = await peer.add({ source, dir, mode: 'download', trackers: extra })
  } catch (e) {
    await peer.stop()
    throw e
  }
  reporter.event(
    { type: 'downloading', infoHash: t.infoHashHex, name: t.name, dir, port: peer.port, webrtc: peer.pool !== null, verifiedPieces: t.store?.verifiedCount ?? 0 },
    `downloading ${t.name} (${t.infoHashHex}) into ${dir}, port ${peer.port}${peer.pool ? ' and WebRTC' : ''}` +
      (t.store && t.store.verifiedCount > 0 ? `; ${t.store.verifiedCount} pieces already here` : ''),
  )
  return runUntilStopped(peer, t, reporter, !values.seed)
}

/** A magnet fetched before: its info dict was kept beside the resume file (node-torrent.ts). */
async function savedMetadata(dir: string, hex: string): Promise<TorrentSource | null> {
  try {
    const bytes = new Uint8Array(await readFile(join(dir, STATE_DIR, `${hex}.torrent`)))
    const metainfo = await parseTorrent(bytes)
    return metainfo.infoHashHex === hex ? { kind: 'torrent', metainfo, bytes } : null
  } catch {
    return null
  }
}
