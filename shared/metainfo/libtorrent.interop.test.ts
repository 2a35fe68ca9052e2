import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseTorrent } from './index.ts'
import type { Metainfo } from './index.ts'
import { toHex } from '../bytes.ts'
import { libtorrentCreate, writeRandomTree } from './test-support/tools.ts'
import type { LibtorrentView } from './test-support/tools.ts'

// Torrents made by libtorrent (python3-libtorrent 2.0.8, the library inside qBittorrent and Deluge)
// in each form parse to the info hashes and the file layout libtorrent itself reports.

let tmp = ''
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'swarmdrop-lt-parse-'))
  // Non-executable files only: libtorrent would record the x bit as attr "x".
  writeRandomTree(join(tmp, 'tree'), {
    'a.txt': 1,
    'a/x.bin': 100_000,
    'a/deeper/y.bin': 40_000,
    'B/upper.bin': 5_000,
    'é/ünïcode.txt': 77,
    'empty.txt': 0,
    'z-last.bin': 65_536,
  })
  writeRandomTree(tmp, { 'single.bin': 300_001 })
})
afterAll(() => {
  if (tmp !== '') rmSync(tmp, { recursive: true, force: true })
})

function layout(m: Metainfo): LibtorrentView['files'] {
  return m.files.map((f) => ({ path: f.path.join('/'), size: f.length, offset: f.offset, pad: f.padding }))
}

describe.each(['v1', 'v2', 'hybrid'] as const)('a %s torrent made by libtorrent', (mode) => {
  it.each([
    ['a directory tree', 'tree', 16384],
    ['a directory tree, 64 KiB pieces', 'tree', 65536],
    ['a single file', 'single.bin', 32768],
  ] as const)('of %s parses to libtorrent\'s hashes and layout', async (_what, target, pieceLength) => {
    const out = join(tmp, `${target}-${mode}-${pieceLength}.torrent`)
    const theirs = libtorrentCreate(join(tmp, target), mode, pieceLength, out)
    const ours = await parseTorrent(new Uint8Array(readFileSync(out)))
    expect(ours.metaVersion).toBe(mode === 'v1' ? 1 : mode === 'v2' ? 2 : 'hybrid')
    expect(ours.infoHashV1 && toHex(ours.infoHashV1)).toBe(theirs.v1)
    expect(ours.infoHashV2 && toHex(ours.infoHashV2)).toBe(theirs.v2)
    expect(ours.infoHashHex).toBe(theirs.v1 ?? theirs.v2!.slice(0, 40))
    expect(ours.name).toBe(theirs.name)
    expect(ours.pieceCount).toBe(theirs.pieces)
    // v1 order is libtorrent's directory walk; v2 and hybrid are in file-tree order, padded.
    expect(layout(ours)).toEqual(theirs.files)
    if (mode !== 'v1') {
      // Every file larger than a piece came with its layer, and each hashed up to its root.
      const big = ours.files.filter((f) => !f.padding && f.length > pieceLength)
      expect(ours.pieceLayers.size).toBe(new Set(big.map((f) => toHex(f.piecesRoot!))).size)
    }
  })
})
