import { readFile, rename, stat, writeFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { formatMagnet } from '../shared/magnet/index.ts'
import type { Metainfo } from '../shared/metainfo/index.ts'
import { torrentFromPath } from '../node/torrent-inputs.ts'
import { magnetFor, shareLink } from '../web/lib/share-link.ts'
import { metaVersionOf, VERSION_OPTIONS } from './create.ts'
import { RunError, UsageError } from './errors.ts'
import { readTorrent } from './inspect.ts'
import { findOurServer } from './our-server.ts'
import { Reporter } from './progress.ts'
import { parsePort, PEER_OPTIONS, runUntilStopped, startPeer } from './run-peer.ts'

// `seed <path | file.torrent>`: makes the torrent (or reads it), checks the data, prints the share link
// and seeds over TCP and WebRTC until stopped.

export async function runSeed(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: { ...PEER_OPTIONS, ...VERSION_OPTIONS, data: { type: 'string' }, 'torrent-out': { type: 'string' }, 'piece-length': { type: 'string' } },
  })
  if (positionals.length !== 1) throw new UsageError('seed takes one file, folder or .torrent')
  const input = positionals[0]!
  const port = parsePort(values.port)
  const extra = values.tracker ?? []
  const reporter = Reporter.forTerminal(values.json ?? false)
  let pieceLength: number | undefined
  if (values['piece-length'] !== undefined) {
    pieceLength = Number(values['piece-length'])
    if (!Number.isSafeInteger(pieceLength) || pieceLength <= 0) throw new UsageError(`--piece-length must be a positive number of bytes, not "${values['piece-length']}"`)
  }

  // A .torrent names its data; anything else is the data, made into a torrent here.
  const isTorrent = input.endsWith('.torrent') && (await stat(input)).isFile()
  let metainfo: Metainfo
  let torrent: Uint8Array
  let dir: string
  let knownGood = false
  let extraTrackers: string[] = extra
  if (isTorrent) {
    if (pieceLength !== undefined) throw new UsageError('--piece-length is for making a torrent, not for a .torrent')
    if (values.v2 === true || values.hybrid === true) throw new UsageError('--v2 and --hybrid are for making a torrent: a .torrent already has its version')
    metainfo = await readTorrent(input)
    torrent = new Uint8Array(await readFile(input))
    dir = resolve(values.data ?? dirname(input))
  } else {
    if (values.data !== undefined) throw new UsageError('--data is for a .torrent; to seed a file or folder, name it')
    reporter.event({ type: 'hashing', path: input }, `hashing ${input}...`)
    const metaVersion = metaVersionOf(values)
    const made = await torrentFromPath(input, { ...(pieceLength !== undefined ? { pieceLength } : {}), metaVersion, announce: extra.map((u) => [u]) })
    ;({ metainfo, torrent } = made)
    dir = dirname(resolve(input))
    knownGood = true // hashed a moment ago
    extraTrackers = [] // already in the torrent
  }
  if (values['torrent-out'] !== undefined) {
    const out = values['torrent-out']
    await writeFile(`${out}.${process.pid}.tmp`, torrent)
    await rename(`${out}.${process.pid}.tmp`, out)
  }

  const trackers = [...new Set([...metainfo.announce.flat(), ...extraTrackers])]
  const ours = await findOurServer(trackers)
  // A v2 or hybrid torrent's link names its v2 info hash too (btmh, BEP 52); a v2-only one nothing else.
  const v2 = metainfo.infoHashV2 ? { infoHashV2: metainfo.infoHashV2, v2Only: metainfo.metaVersion === 2 } : undefined
  const magnet = magnetFor(metainfo.infoHashHex, metainfo.name, trackers, v2)
  const link = ours ? shareLink(ours.appUrl, magnet) : formatMagnet(magnet)

  const peer = await startPeer({ port, webrtc: !values['no-webrtc'], iceServers: ours?.config.iceServers ?? [] }, reporter)
  let t
  try {
    t = await peer.add({ source: { kind: 'torrent', metainfo, bytes: torrent }, dir, mode: 'seed', trackers: extraTrackers, knownGood })
  } catch (e) {
    await peer.stop()
    throw e
  }
  const have = t.store?.verifiedCount ?? 0
  if (have === 0) {
    await peer.stop()
    throw new RunError(`none of the data of ${metainfo.name} is in ${dir} (expected ${resolve(dir, metainfo.name)})`)
  }
  if (have < metainfo.pieceCount) reporter.warn(`only ${have} of ${metainfo.pieceCount} pieces of ${metainfo.name} are in ${dir}: seeding those`)
  if (trackers.length === 0) reporter.warn(`no tracker named: peers can find this seed only by connecting to port ${peer.port}`)
  reporter.event(
    { type: 'seeding', infoHash: metainfo.infoHashHex, name: metainfo.name, link, port: peer.port, trackers, webrtc: peer.pool !== null },
    `seeding ${metainfo.name} (${metainfo.infoHashHex}) on port ${peer.port}${peer.pool ? ' and WebRTC' : ''}\n${ours ? 'share link' : 'magnet'}: ${link}`,
  )
  return runUntilStopped(peer, t, reporter, false)
}
