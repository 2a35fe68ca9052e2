// Counts TCP peer connections per IP address and in total, in and out alike, so that one host cannot
// take every peer slot (nor a torrent's tracker reply make us dial one address many times).

export class ConnectionLimiter {
  #byAddress = new Map<string, number>()
  #total = 0

  constructor(
    readonly perAddress: number,
    readonly total: number,
  ) {}

  /** Take a slot for `ip`; false (and nothing taken) when its cap or the total is reached. */
  acquire(ip: string): boolean {
    const n = this.#byAddress.get(ip) ?? 0
    if (n >= this.perAddress || this.#total >= this.total) return false
    this.#byAddress.set(ip, n + 1)
    this.#total++
    return true
  }

  release(ip: string): void {
    const n = this.#byAddress.get(ip)
    if (n === undefined) return
    if (n <= 1) this.#byAddress.delete(ip)
    else this.#byAddress.set(ip, n - 1)
    this.#total--
  }

  count(ip?: string): number {
    return ip === undefined ? this.#total : (this.#byAddress.get(ip) ?? 0)
  }
}
