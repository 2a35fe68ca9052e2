// The info dict: BEP 3 (name, piece length, pieces, length or files) and BEP 52 (meta version 2, file
// tree), v1, v2-only or hybrid. Every field is checked before use: lengths are non-negative safe
// integers whose total is a safe integer, every path is safe (validate-path.ts), no two files share a
// path, v1 pieces hold exactly one hash per piece, a hybrid's two file lists agree (hybrid.ts).
//
// A torrent with no data (total length 0, so no pieces) is refused: there is nothing to share,
// and every consumer would need a special case for a swarm with zero pieces.

import { MetainfoError } from '../errors.ts'
import { toHex } from '../bytes.ts'
import { getBytes, getDict, getInt, isDict, isInt } from '../bencode/index.ts'
import type { BDict, BValue } from '../bencode/index.ts'
import { isSanePieceLength, isV2PieceLength } from './piece-length.ts'
import { preferUtf8 } from './info-fields.ts'
import { readV1Files } from './files-v1.ts'
import { alignFiles, readFileTree } from './file-tree.ts'
import { mergeHybridFiles } from './hybrid.ts'
import { assertSafePath } from './validate-path.ts'
import { metainfoLimits } from './types.ts'
import type { MetaVersion, TorrentFile, TorrentInfo } from './types.ts'

const V1_HASH_LENGTH = 20
const V2_HASH_LENGTH = 32

/** The two digests of the info dict's bytes (SHA-1 for v1, SHA-256 for v2). */
export interface InfoDigests {
  sha1: Uint8Array
  sha256: Uint8Array
}

// BEP 52: "Implementations must check this field first and indicate that a torrent is of a newer
// version than they can handle before performing other validations." Absent (or 1, or below, which
// libtorrent also reads as v1) means a BEP 3 torrent.
function metaVersionOf(info: BDict): 1 | 2 {
  const v = info.get('meta version')
  if (v === undefined) return 1
  if (!isInt(v)) throw new MetainfoError('info.meta version should be an integer')
  if (v > 2) throw new MetainfoError(`info.meta version ${v} is newer than this client understands (BEP 52 is version 2)`)
  return v === 2 ? 2 : 1
}

function pieceLengthOf(info: BDict, version: 1 | 2): number {
  const pieceLength = getInt(info, 'piece length', MetainfoError, 'info')
  if (!isSanePieceLength(pieceLength)) {
    throw new MetainfoError(`info.piece length ${pieceLength} is outside ${metainfoLimits.minPieceLength}..${metainfoLimits.maxPieceLength}`)
  }
  if (version === 2 && !isV2PieceLength(pieceLength)) {
    throw new MetainfoError(`info.piece length ${pieceLength}: BEP 52 needs a power of two of at least 16 KiB`)
  }
  return pieceLength
}

function v1PieceHashes(info: BDict, length: number, pieceLength: number, pieceCount: number): Uint8Array {
  const pieceHashes = getBytes(info, 'pieces', MetainfoError, 'info')
  if (pieceHashes.length % V1_HASH_LENGTH !== 0) {
    throw new MetainfoError(`info.pieces is ${pieceHashes.length} bytes, not a multiple of ${V1_HASH_LENGTH}`)
  }
  if (pieceHashes.length / V1_HASH_LENGTH !== pieceCount) {
    throw new MetainfoError(
      `info.pieces has ${pieceHashes.length / V1_HASH_LENGTH} hashes, but ${length} bytes in pieces of ${pieceLength} make ${pieceCount}`,
    )
  }
  return pieceHashes
}

/** Which files, and as which version, an info dict of `version` describes. */
function filesOf(info: BDict, version: 1 | 2, name: string, pieceLength: number): { metaVersion: MetaVersion; files: TorrentFile[] } {
  if (version === 1) {
    if (info.has('file tree')) throw new MetainfoError('info has a file tree but no meta version 2 (BEP 52)')
    return { metaVersion: 1, files: readV1Files(info, name) }
  }
  const v2 = alignFiles(readFileTree(getDict(info, 'file tree', MetainfoError, 'info')), pieceLength)
  const hasV1Files = info.has('files') || info.has('length')
  if (hasV1Files !== info.has('pieces')) {
    throw new MetainfoError(hasV1Files ? 'info has a v1 file list but no pieces' : 'info has pieces but no v1 file list (length or files)')
  }
  if (!hasV1Files) return { metaVersion: 2, files: v2 }
  return { metaVersion: 'hybrid', files: mergeHybridFiles(readV1Files(info, name), v2) }
}

/** Validate a decoded info dict. The digests and infoBytes are the caller's (they are of raw bytes). */
export function readInfoDict(info: BValue, infoBytes: Uint8Array, digests: InfoDigests): TorrentInfo {
  if (!isDict(info)) throw new MetainfoError('info should be a dict')
  const version = metaVersionOf(info)
  const name = preferUtf8(info, 'name', 'info', 'info.name')
  if (name === undefined) throw new MetainfoError('info.name is missing: the torrent has no name')
  assertSafePath([name], `the torrent name ${JSON.stringify(name)}`)
  const pieceLength = pieceLengthOf(info, version)

  const { metaVersion, files } = filesOf(info, version, name, pieceLength)
  const length = files.reduce((sum, f) => sum + f.length, 0)
  if (length === 0) throw new MetainfoError('the torrent has no data (total length 0)')
  const pieceCount = Math.ceil(length / pieceLength)
  if (pieceCount > metainfoLimits.maxPieces) throw new MetainfoError(`the torrent has ${pieceCount} pieces (limit ${metainfoLimits.maxPieces})`)
  const pieceHashes = metaVersion === 2 ? new Uint8Array(0) : v1PieceHashes(info, length, pieceLength, pieceCount)

  const infoHashV1 = metaVersion === 2 ? null : digests.sha1
  const infoHashV2 = metaVersion === 1 ? null : digests.sha256
  // BEP 52: trackers and the handshake carry 20 bytes; a v2-only torrent uses its SHA-256 truncated.
  const infoHash = infoHashV1 ?? infoHashV2!.slice(0, V1_HASH_LENGTH)
  if (infoHashV2 !== null && infoHashV2.length !== V2_HASH_LENGTH) throw new RangeError('a v2 info hash is 32 bytes')
  const priv = info.get('private')
  return {
    metaVersion,
    infoHash,
    infoHashHex: toHex(infoHash),
    infoHashV1,
    infoHashV2,
    name,
    length,
    pieceLength,
    pieceCount,
    pieceHashes,
    files,
    // BEP 27: only 1 means private. A non-integer value has been seen in the wild; it means nothing.
    private: priv === 1,
    infoBytes,
  }
}
