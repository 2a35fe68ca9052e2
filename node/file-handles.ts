import { constants } from 'node:fs'
import { mkdir, open, type FileHandle } from 'node:fs/promises'
import { dirname } from 'node:path'

// Open file handles of one torrent, opened on first use and kept (a torrent of thousands of files
// must not hold thousands of descriptors): beyond `max`, the least recently used idle handle is
// closed. A handle in use by a read or write is never closed under it.

interface Entry {
  handle: Promise<FileHandle>
  users: number
  lastUsed: number
}

export class FileHandles {
  #entries = new Map<number, Entry>()
  #tick = 0
  #closed = false

  /**
   * `writable`: open read-write, creating missing files and folders (a download); otherwise
   * read-only (seeding data we must not change).
   */
  constructor(
    private readonly paths: readonly string[],
    private readonly writable: boolean,
    private readonly max: number,
  ) {}

  async use<T>(index: number, fn: (fh: FileHandle) => Promise<T>): Promise<T> {
    if (this.#closed) throw new Error('store closed')
    let e = this.#entries.get(index)
    const opened = !e
    if (!e) {
      const entry: Entry = { handle: this.#open(index), users: 0, lastUsed: 0 }
      entry.handle.catch(() => {
        if (this.#entries.get(index) === entry) this.#entries.delete(index) // retried next time
      })
      this.#entries.set(index, entry)
      e = entry
    }
    e.users++
    e.lastUsed = ++this.#tick
    if (opened) this.#evict()
    try {
      return await fn(await e.handle)
    } finally {
      e.users--
    }
  }

  /** Indices of the files open now. */
  openIndices(): number[] {
    return [...this.#entries.keys()]
  }

  async closeAll(): Promise<void> {
    this.#closed = true
    const entries = [...this.#entries.values()]
    this.#entries.clear()
    await Promise.all(entries.map((e) => e.handle.then((h) => h.close()).catch(() => {})))
  }

  async #open(index: number): Promise<FileHandle> {
    const path = this.paths[index]!
    if (!this.writable) return open(path, constants.O_RDONLY)
    // O_RDWR | O_CREAT, not 'a+': appending mode would ignore the positions of our writes.
    const flags = constants.O_RDWR | constants.O_CREAT
    try {
      return await open(path, flags, 0o644)
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e
      await mkdir(dirname(path), { recursive: true })
      return open(path, flags, 0o644)
    }
  }

  #evict(): void {
    while (this.#entries.size > this.max) {
      let oldest: number | null = null
      let at = Infinity
      for (const [i, e] of this.#entries) {
        if (e.users === 0 && e.lastUsed < at) {
          oldest = i
          at = e.lastUsed
        }
      }
      if (oldest === null) return // every handle is busy: allow a few more until they finish
      const e = this.#entries.get(oldest)!
      this.#entries.delete(oldest)
      void e.handle.then((h) => h.close()).catch(() => {})
    }
  }
}
