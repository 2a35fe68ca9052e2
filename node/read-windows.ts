// The upload side's read cache of the Node piece store: a peer asks for a piece's blocks one after the
// other, so the store reads a whole window (the piece, or an aligned NODE_LIMITS.readWindowBytes part
// of a bigger piece) once and answers the next blocks from it: one file read instead of one per block,
// which costs about 4x less CPU in Node's fs promises. A window, not the whole piece: with 4 MiB
// pieces (a 4 GiB torrent) and four peers on four pieces, whole pieces would not fit the cache and every
// block would read its piece again.
//
// Memory: windows are kept up to readCacheBytes, least recently used dropped first, and a dropped
// window's buffer is reused for the next window once no read is copying out of it. Each block handed
// out is a copy (a view would keep its whole window alive for as long as the block waits in a peer's
// reads ahead or a socket's buffer, and a peer asking one block per piece could pin a window per
// request). Without the reuse every window read was a new buffer, and the garbage buffers piled up to
// tens of MB between collections while serving (docs/performance.md, "The Node peer").

interface Window {
  buffer: Uint8Array
  /** The window's bytes (a view of `buffer`), once read. */
  bytes: Promise<Uint8Array>
  /** Reads waiting for or copying out of it; its buffer is reused only when none is left. */
  users: number
  dropped: boolean
}

export interface ReadWindowsOptions {
  pieceLength: number
  pieceSize: (index: number) => number
  windowBytes: number
  cacheBytes: number
  /** Fill `out` from the torrent's bytes at `offset`. */
  readAt: (offset: number, out: Uint8Array) => Promise<void>
}

export class ReadWindows {
  #o: ReadWindowsOptions
  /** Bytes per window: the piece length, or readWindowBytes for bigger pieces. */
  readonly windowBytes: number
  #perPiece: number
  #slots: number
  /** Oldest first. */
  #windows = new Map<number, Window>()
  /** Buffers of dropped windows, ready for the next read (at most #slots). */
  #free: Uint8Array[] = []

  constructor(o: ReadWindowsOptions) {
    this.#o = o
    this.windowBytes = Math.min(o.pieceLength, o.windowBytes)
    this.#perPiece = Math.ceil(o.pieceLength / this.windowBytes)
    this.#slots = Math.floor(o.cacheBytes / this.windowBytes)
  }

  /** A copy of the block, or null when it is not served from a window (cache off, a block across two windows). */
  async read(index: number, begin: number, length: number): Promise<Uint8Array | null> {
    const w = this.windowBytes
    const start = begin - (begin % w)
    if (this.#slots === 0 || begin + length > start + w) return null
    const size = Math.min(w, this.#o.pieceSize(index) - start)
    if (begin + length > start + size) return null // past the piece's end: the caller's read reports it
    const key = index * this.#perPiece + start / w
    let win = this.#windows.get(key)
    if (win) {
      this.#windows.delete(key) // most recently used goes last
    } else {
      while (this.#windows.size >= this.#slots) this.#drop(this.#windows.keys().next().value!)
      const buffer = this.#free.pop() ?? new Uint8Array(w)
      const view = buffer.subarray(0, size)
      win = { buffer, bytes: this.#o.readAt(index * this.#o.pieceLength + start, view).then(() => view), users: 0, dropped: false }
    }
    this.#windows.set(key, win)
    win.users++
    try {
      return (await win.bytes).slice(begin - start, begin - start + length)
    } catch (e) {
      if (this.#windows.get(key) === win) this.#drop(key)
      throw e
    } finally {
      win.users--
      this.#release(win)
    }
  }

  clear(): void {
    for (const key of [...this.#windows.keys()]) this.#drop(key)
    this.#free.length = 0
  }

  #drop(key: number): void {
    const win = this.#windows.get(key)!
    this.#windows.delete(key)
    win.dropped = true
    this.#release(win)
  }

  #release(win: Window): void {
    if (!win.dropped || win.users > 0) return
    win.users = -1 // released once
    if (this.#free.length < this.#slots) this.#free.push(win.buffer)
  }
}
