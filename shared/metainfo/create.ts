// Creating a .torrent from files (BEP 3, BEP 52), in three steps so the caller may do the hashing:
// planTorrent (create-plan.ts: order, padding, piece length), hashing the plan (content-hashes.ts
// streams it; the browser hashes in workers), buildTorrent (the info dict around the hashes).
//
// v1: the info dict is byte-identical to the one Debian's mktorrent (1.1) writes for the same content
// and piece length without -p/-s (keys files|length, name, piece length, pieces, private when asked).
// v2 and hybrid: byte-identical to libtorrent's (2.0.8) for the same files and piece length (file
// tree, meta version, and for a hybrid the padded v1 list and pieces), piece layers included.
// Equal info dicts, equal info hashes.

import { MetainfoError } from '../errors.ts'
import { encode } from '../bencode/index.ts'
import type { BEncodable } from '../bencode/index.ts'
import { parseTorrent } from './parse.ts'
import { encodeTorrent } from './encode-torrent.ts'
import { planTorrent } from './create-plan.ts'
import type { CreateInput, PlanOptions, TorrentPlan } from './create-plan.ts'
import { streamPieceHashes } from './content-hashes.ts'
import type { ContentHashes } from './content-hashes.ts'
import { hybridFileList, v2Fields } from './create-v2.ts'
import type { Metainfo } from './types.ts'

export { planTorrent, streamPieceHashes }
export type { CreateInput, ContentHashes, PlanOptions, TorrentPlan }
export type { PlannedEntry } from './create-plan.ts'

export interface CreateOptions<T extends CreateInput = CreateInput> extends PlanOptions {
  announce?: string[][] | string[] // tiers, or a flat list meaning one tracker per tier
  urlList?: string[]
  private?: boolean
  comment?: string
  createdBy?: string
  /** Seconds since the epoch; default now; null leaves the field out. */
  creationDate?: number | null
  onProgress?(hashedBytes: number): void
  /**
   * Who hashes the content. Default: `streamPieceHashes`, one stream (Node, the CLI). The browser
   * passes its worker pool (web/lib/hash-pool.ts): several pieces at once, read straight from the
   * File objects. It gets the plan (files and padding in torrent order, piece length, version) and
   * returns what the info dict needs: `pieces` for v1 and hybrid, `pieceRoots` for v2 and hybrid.
   */
  hashContent?(plan: TorrentPlan<T>): Promise<ContentHashes>
}

function tiersOf(announce: string[][] | string[] | undefined): string[][] {
  if (announce === undefined) return []
  return announce.map((t) => (typeof t === 'string' ? [t] : t))
}

/** Hash the files and build the .torrent; `metainfo` is that file parsed back. */
export async function createTorrent<T extends CreateInput>(inputs: T[], options: CreateOptions<T> = {}): Promise<{ torrent: Uint8Array; metainfo: Metainfo }> {
  const plan = planTorrent(inputs, options)
  const hashes = options.hashContent ? await options.hashContent(plan) : await streamPieceHashes(plan, options.onProgress)
  return buildTorrent(plan, hashes, options)
}

/** The .torrent of a plan whose content is hashed. */
export async function buildTorrent(plan: TorrentPlan<CreateInput>, hashes: ContentHashes, options: Omit<CreateOptions, 'hashContent'> = {}): Promise<{ torrent: Uint8Array; metainfo: Metainfo }> {
  const info: Record<string, BEncodable | undefined> = {
    name: plan.name,
    'piece length': plan.pieceLength,
    private: options.private === true ? 1 : undefined,
  }
  let pieceLayers: Map<string, Uint8Array> | undefined
  if (plan.metaVersion !== 1) {
    if (hashes.pieceRoots === undefined) throw new MetainfoError('a v2 or hybrid torrent needs the merkle root of every piece')
    const v2 = v2Fields(plan, hashes.pieceRoots)
    info['file tree'] = v2.fileTree
    info['meta version'] = 2
    pieceLayers = v2.pieceLayers
  }
  if (plan.metaVersion !== 2) {
    if (hashes.pieces?.length !== plan.pieceCount * 20) throw new MetainfoError(`${(hashes.pieces?.length ?? 0) / 20} piece hashes for ${plan.pieceCount} pieces`)
    info.pieces = hashes.pieces
    if (plan.single) info.length = plan.totalLength
    else info.files = plan.metaVersion === 'hybrid' ? hybridFileList(plan) : plan.files.map((f) => ({ length: f.length, path: f.path }))
  }

  const creationDate = options.creationDate === undefined ? Math.floor(Date.now() / 1000) : options.creationDate
  const torrent = encodeTorrent({
    infoBytes: encode(info),
    announce: tiersOf(options.announce),
    ...(pieceLayers !== undefined ? { pieceLayers } : {}),
    ...(options.urlList !== undefined ? { urlList: options.urlList } : {}),
    ...(options.comment !== undefined ? { comment: options.comment } : {}),
    ...(options.createdBy !== undefined ? { createdBy: options.createdBy } : {}),
    ...(creationDate !== null ? { creationDate } : {}),
  })
  return { torrent, metainfo: await parseTorrent(torrent) }
}
