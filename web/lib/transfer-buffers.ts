// Buffers that go to the OPFS worker and come back (transferred both ways, never copied by
// postMessage), reused for the next write. Why: a download writes every byte once through the worker;
// a new buffer per write is garbage in two isolates (the page's copy, the worker's received one), and
// V8 collects ArrayBuffer memory only when its external-memory limit trips (tens of MB above the live
// size), so each isolate's garbage alone reached that limit, measured as most of the leecher renderer's
// resident growth in e2e/app-memory. Reused, the writes allocate nothing after the first few.

export class TransferBuffers {
  #free: ArrayBuffer[] = []
  #freeBytes = 0

  /** `maxFreeBytes`: buffers kept for reuse at most (more come back than that: they are let go). */
  constructor(readonly maxFreeBytes: number) {}

  /** A view of `length` bytes over a buffer of the pool (the smallest that fits) or a new one. */
  take(length: number): Uint8Array<ArrayBuffer> {
    let best = -1
    for (let i = 0; i < this.#free.length; i++) {
      const size = this.#free[i]!.byteLength
      if (size >= length && (best < 0 || size < this.#free[best]!.byteLength)) best = i
    }
    if (best < 0) return new Uint8Array(length)
    const buffer = this.#free.splice(best, 1)[0]!
    this.#freeBytes -= buffer.byteLength
    return new Uint8Array(buffer, 0, length)
  }

  /** Back from the worker: keep it for the next take, within the bound. */
  give(buffer: ArrayBuffer): void {
    if (buffer.byteLength === 0 || this.#freeBytes + buffer.byteLength > this.maxFreeBytes) return
    this.#free.push(buffer)
    this.#freeBytes += buffer.byteLength
  }

  get freeBytes(): number {
    return this.#freeBytes
  }
}
