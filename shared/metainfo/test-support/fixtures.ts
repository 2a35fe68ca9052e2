// Test helpers: the webtorrent-fixtures .torrent files, and hand-built torrents.
import { readFileSync, readdirSync } from 'node:fs'
import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { expect } from 'vitest'
import { encode } from '../../bencode/index.ts'
import type { BEncodable } from '../../bencode/index.ts'
import { MetainfoError } from '../../errors.ts'
import { parseTorrent } from '../parse.ts'

export const FIXTURES_DIR = join(import.meta.dirname, '../../../node_modules/webtorrent-fixtures/fixtures')

export function fixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(FIXTURES_DIR, name)))
}

export function fixtureTorrentNames(): string[] {
  return readdirSync(FIXTURES_DIR).filter((f) => f.endsWith('.torrent')).sort()
}

/** SHA-1 by node:crypto: an independent check on the WebCrypto path the code uses. */
export function nodeSha1Hex(bytes: Uint8Array): string {
  return createHash('sha1').update(bytes).digest('hex')
}

/** A valid single-file info dict (3 pieces of 16 KiB for 40000 bytes), to be altered by tests. */
export function baseInfo(overrides: Record<string, BEncodable | undefined> = {}): Record<string, BEncodable | undefined> {
  return {
    name: 'file.bin',
    'piece length': 16384,
    pieces: new Uint8Array(60).fill(1),
    length: 40000,
    ...overrides,
  }
}

/** A multi-file info dict whose pieces fit `lengths`. */
export function multiInfo(files: Array<{ path: BEncodable[]; length: number; [k: string]: BEncodable }>, overrides: Record<string, BEncodable | undefined> = {}): Record<string, BEncodable | undefined> {
  const total = files.reduce((s, f) => s + f.length, 0)
  return {
    name: 'dir',
    'piece length': 16384,
    pieces: new Uint8Array(20 * Math.ceil(total / 16384)).fill(2),
    files,
    ...overrides,
  }
}

export function torrentOf(info: BEncodable, top: Record<string, BEncodable | undefined> = {}): Uint8Array {
  return encode({ ...top, info })
}

/** Asserts parseTorrent refuses `bytes` with a MetainfoError whose message matches. */
export async function rejectsWith(bytes: Uint8Array, message: RegExp): Promise<void> {
  const err = await parseTorrent(bytes).then(
    () => null,
    (e: unknown) => e,
  )
  expect(err, `expected a MetainfoError matching ${message}`).toBeInstanceOf(MetainfoError)
  expect((err as Error).message).toMatch(message)
}
