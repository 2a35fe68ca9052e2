// Deterministic fuzzing helpers: a seeded PRNG, byte mutators and a bencode-like token generator.
// Seeded so a failure reproduces; the seed is printed by the tests that use it.

export class Rng {
  private s: number
  constructor(seed: number) {
    this.s = seed >>> 0 || 1
  }
  /** xorshift32: fast, good enough to pick mutations. */
  next(): number {
    let x = this.s
    x ^= x << 13
    x >>>= 0
    x ^= x >>> 17
    x ^= x << 5
    x >>>= 0
    this.s = x
    return x
  }
  int(n: number): number {
    return n <= 0 ? 0 : this.next() % n
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!
  }
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n)
    for (let i = 0; i < n; i++) out[i] = this.next() & 0xff
    return out
  }
}

const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0))

const INTERESTING = ['0', '1', '9', '-', '-0', '00', '20', '99999999999999999999', '9007199254740992', ':', 'e', 'i', 'l', 'd']

/** One random mutation of `input` (flip, set, truncate, delete, duplicate, splice from `donor`, renumber). */
export function mutate(rng: Rng, input: Uint8Array, donor: Uint8Array): Uint8Array {
  const n = input.length
  const at = rng.int(n + 1)
  switch (rng.int(8)) {
    case 0: {
      // flip a few bits
      const out = input.slice()
      for (let k = 1 + rng.int(4); k > 0 && n > 0; k--) out[rng.int(n)]! ^= 1 << rng.int(8)
      return out
    }
    case 1: {
      // set a byte to a structural character
      if (n === 0) return input
      const out = input.slice()
      out[rng.int(n)] = rng.pick([0x69, 0x6c, 0x64, 0x65, 0x3a, 0x2d, 0x30, 0x39, 0x00, 0xff])
      return out
    }
    case 2:
      return input.slice(0, at) // truncate
    case 3: {
      // delete a range
      const len = 1 + rng.int(Math.min(64, n - at + 1))
      return concat([input.subarray(0, at), input.subarray(at + len)])
    }
    case 4: {
      // duplicate a range in place
      const len = 1 + rng.int(Math.min(256, n - at + 1))
      const part = input.subarray(at, at + len)
      return concat([input.subarray(0, at + part.length), part, input.subarray(at + part.length)])
    }
    case 5: {
      // splice in a piece of another input
      const from = rng.int(donor.length + 1)
      const part = donor.subarray(from, from + 1 + rng.int(512))
      return concat([input.subarray(0, at), part, input.subarray(at + rng.int(part.length + 1))])
    }
    case 6: {
      // insert an interesting token
      return concat([input.subarray(0, at), ascii(rng.pick(INTERESTING)), input.subarray(at)])
    }
    default: {
      // change a digit: lengths and integers become wrong but plausible
      const out = input.slice()
      for (let tries = 0; tries < 32 && n > 0; tries++) {
        const i = rng.int(n)
        if (out[i]! >= 0x30 && out[i]! <= 0x39) {
          out[i] = 0x30 + rng.int(10)
          break
        }
      }
      return out
    }
  }
}

/** A random, mostly well-formed bencode-like byte string (with deliberate mistakes). */
export function bencodeLike(rng: Rng, maxTokens: number): Uint8Array {
  let s = ''
  const tokens = 1 + rng.int(maxTokens)
  for (let t = 0; t < tokens; t++) {
    switch (rng.int(7)) {
      case 0:
        s += `i${rng.pick(['', '-'])}${rng.int(3) === 0 ? rng.pick(INTERESTING) : String(rng.int(100000))}e`
        break
      case 1: {
        const len = rng.int(12)
        const claimed = rng.int(10) === 0 ? len + rng.int(5) - 2 : len
        s += `${claimed}:${'x'.repeat(len)}`
        break
      }
      case 2:
        s += 'l'
        break
      case 3:
        s += 'd'
        break
      case 4:
        s += 'e'
        break
      case 5:
        s += `${1 + rng.int(3)}:${rng.pick(['a', 'b', 'ab', 'info', 'name', 'pieces', 'length'])}`
        break
      default:
        s += rng.pick(INTERESTING)
    }
  }
  return ascii(s)
}

import { concatBytes as concat } from '../../bytes.ts'
export { concat }

/**
 * Tracks per-input wall time so tests can assert and report the slowest input. The machine may be
 * shared (other test runs, builds): one preemption or GC pause can make any input look slow. So an
 * input over `suspectMs` is kept and re-timed later (best of 3 runs): a genuinely slow input is
 * slow every time, a preempted one is not. `max` is the raw figure, `retimedMax` the verdict.
 */
export class Timer {
  count = 0
  total = 0
  max = 0
  private readonly suspects: Array<() => unknown> = []
  constructor(private readonly suspectMs = 10) {}

  add(ms: number, rerun: () => unknown): void {
    this.count++
    this.total += ms
    if (ms > this.max) this.max = ms
    if (ms > this.suspectMs && this.suspects.length < 1000) this.suspects.push(rerun)
  }

  /** Best-of-3 time of the slowest suspect (0 when no input was suspect). */
  async retimedMax(): Promise<number> {
    let worst = 0
    for (const run of this.suspects) {
      let best = Infinity
      for (let k = 0; k < 3; k++) {
        const t0 = performance.now()
        try {
          await run()
        } catch {
          // errors were already checked on the first run
        }
        best = Math.min(best, performance.now() - t0)
      }
      worst = Math.max(worst, best)
    }
    return worst
  }

  report(label: string, retimed: number): string {
    return (
      `${label}: ${this.count} inputs, total ${this.total.toFixed(0)} ms, mean ${((this.total / this.count) * 1000).toFixed(1)} µs, ` +
      `max ${this.max.toFixed(2)} ms raw (${this.suspects.length} over ${this.suspectMs} ms re-timed: worst best-of-3 ${retimed.toFixed(2)} ms)`
    )
  }
}
