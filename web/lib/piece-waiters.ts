// Promises that resolve when pieces become available (verified by the engine, or copied), for the
// streams and previews that read a torrent while it downloads. Bounded: each waiter times out.

export class PieceWaiters {
  readonly #waiting = new Map<number, Set<() => void>>()

  /** Resolves once `has(i)` holds for every piece, re-checked at each `arrived`; rejects after `timeoutMs`. */
  wait(pieces: readonly number[], has: (i: number) => boolean, timeoutMs: number): Promise<void> {
    const missing = new Set(pieces.filter((i) => !has(i)))
    if (missing.size === 0) return Promise.resolve()
    return new Promise<void>((resolve, reject) => {
      const check = () => {
        for (const i of missing) if (has(i)) missing.delete(i)
        if (missing.size > 0) return
        cleanup()
        resolve()
      }
      const timer = setTimeout(() => {
        cleanup()
        reject(new DOMException(`pieces ${[...missing].slice(0, 8).join(', ')} did not arrive within ${timeoutMs / 1000} s`, 'TimeoutError'))
      }, timeoutMs)
      const cleanup = () => {
        clearTimeout(timer)
        for (const i of pieces) {
          const set = this.#waiting.get(i)
          set?.delete(check)
          if (set?.size === 0) this.#waiting.delete(i)
        }
      }
      for (const i of missing) {
        let set = this.#waiting.get(i)
        if (!set) this.#waiting.set(i, (set = new Set()))
        set.add(check)
      }
    })
  }

  /** Piece `index` is available now. */
  arrived(index: number): void {
    const set = this.#waiting.get(index)
    if (set) for (const check of [...set]) check()
  }

  /** Pieces someone is waiting for (the engine's deadline set). */
  wanted(): number[] {
    return [...this.#waiting.keys()]
  }

  /** Forget every waiter (the torrent stopped): each then ends at its timeout. */
  clear(): void {
    this.#waiting.clear()
  }
}
