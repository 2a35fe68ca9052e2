import type { SpeedSample } from './torrent-view.ts'

// The last minutes of download and upload rate, one sample a second, for the speed graph. A fixed
// ring: memory does not grow with the time a tab stays open.

/** Samples kept: five minutes at one a second. */
export const SPEED_HISTORY_SAMPLES = 300

export class SpeedHistory {
  readonly #ring: SpeedSample[] = []
  #next = 0

  constructor(readonly capacity: number = SPEED_HISTORY_SAMPLES) {}

  add(sample: SpeedSample): void {
    if (this.#ring.length < this.capacity) this.#ring.push(sample)
    else this.#ring[this.#next] = sample
    this.#next = (this.#next + 1) % this.capacity
  }

  /** Oldest first. */
  samples(): SpeedSample[] {
    if (this.#ring.length < this.capacity) return this.#ring.slice()
    return [...this.#ring.slice(this.#next), ...this.#ring.slice(0, this.#next)]
  }
}
