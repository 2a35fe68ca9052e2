import { createHash, randomBytes } from 'node:crypto'
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

// Big test files on disk, so Playwright's setInputFiles hands the page disk-backed File objects (as a
// person's drop does) rather than buffers in memory. Removed when the test process exits.

const dir = join(tmpdir(), `swarmdrop-media-${process.pid}`)
let cleanup = false

/** The full sizes with SWARMDROP_FULL_SIZES=1; by default sizes that keep `npm test` within its budget. */
export const fullSizes = process.env['SWARMDROP_FULL_SIZES'] === '1'

/** A file of `mib` MiB of random bytes (and `extra` more); returns its path and SHA-256 (hex). */
export function randomFile(name: string, mib: number, extra = 0): { path: string; sha256: string; size: number } {
  mkdirSync(dir, { recursive: true })
  if (!cleanup) {
    cleanup = true
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }))
  }
  const path = join(dir, name)
  const hash = createHash('sha256')
  const fd = openSync(path, 'w')
  try {
    for (let i = 0; i < mib; i++) {
      const chunk = randomBytes(1 << 20)
      hash.update(chunk)
      writeSync(fd, chunk)
    }
    if (extra > 0) {
      const tail = randomBytes(extra)
      hash.update(tail)
      writeSync(fd, tail)
    }
  } finally {
    closeSync(fd)
  }
  return { path, sha256: hash.digest('hex'), size: mib * 2 ** 20 + extra }
}

export function removeFile(path: string): void {
  rmSync(path, { force: true })
}
