import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createTorrent, parseTorrent } from './index.ts'
import type { Metainfo } from './index.ts'
import { toBinaryString, toHex } from '../bytes.ts'
import { fileInput, libtorrentCreate, libtorrentInspect, treeInputs, writeRandomTree } from './test-support/tools.ts'
import type { LibtorrentView } from './test-support/tools.ts'

// Torrents made by libtorrent (python3-libtorrent 2.0.8, the library inside qBittorrent and Deluge)
// in each form parse to the info hashes and the file layout libtorrent itself reports; ours, made of
// the same files with the same piece length, are libtorrent's byte for byte.

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
  writeRandomTree(tmp, { 'single.bin': 300_001, 'solo/only.bin': 70_000, 'pair/a.bin': 70_000, 'pair/b.empty': 0 })
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

describe.each(['v1', 'v2', 'hybrid'] as const)('a %s torrent we create', (mode) => {
  const metaVersion = mode === 'v1' ? 1 : mode === 'v2' ? 2 : 'hybrid'
  it.each([
    ['a directory tree', 'tree', 16384],
    ['a directory tree, 64 KiB pieces', 'tree', 65536],
    ['a single file', 'single.bin', 32768],
    ['a directory holding one file', 'solo', 16384],
    ['a file and an empty file', 'pair', 16384],
  ] as const)('of %s has libtorrent\'s info dict byte for byte, and its piece layers', async (_what, target, pieceLength) => {
    const root = join(tmp, target)
    const isDir = target !== 'single.bin'
    const inputs = isDir ? treeInputs(root, []) : [fileInput(root, [target])]
    const ours = await createTorrent(inputs, { metaVersion, pieceLength, ...(isDir ? { name: target } : {}), creationDate: null })
    // libtorrent adds v1 files in the order given (ours, mktorrent's); it sorts v2 and hybrid itself.
    const out = join(tmp, `ours-${target}-${mode}-${pieceLength}.torrent`)
    libtorrentCreate(root, mode, pieceLength, out, isDir ? ours.metainfo.files.filter((f) => !f.padding).map((f) => f.path.join('/')) : undefined)
    const theirs = await parseTorrent(new Uint8Array(readFileSync(out)))
    expect(toBinaryString(ours.metainfo.infoBytes)).toBe(toBinaryString(theirs.infoBytes))
    expect(ours.metainfo.infoHashHex).toBe(theirs.infoHashHex)
    expect(ours.metainfo.infoHashV2 && toHex(ours.metainfo.infoHashV2)).toBe(theirs.infoHashV2 && toHex(theirs.infoHashV2))
    expect([...ours.metainfo.pieceLayers].sort()).toEqual([...theirs.pieceLayers].sort())
    // And libtorrent reads our file as it reads its own.
    const ourFile = join(tmp, `ours-${target}-${mode}-${pieceLength}.ours.torrent`)
    writeFileSync(ourFile, ours.torrent)
    expect(libtorrentInspect(ourFile)).toEqual(libtorrentInspect(out))
  })
})
