import { RateMeter } from '../../shared/engine/rates.ts'
import { WEB_LIMITS } from './limits.ts'

// The long steps a person waits for (hashing a drop, copying it into the browser's storage, checking
// files against a torrent, saving to disk): each a Task with bytes done of a total, a speed over the
// last few seconds, the time left at that speed, and a cancel (an AbortSignal the work honours).

export type TaskKind = 'hashing' | 'copying' | 'checking' | 'saving'

/** What the UI shows of one task (a plain snapshot). */
export interface TaskView {
  id: number
  kind: TaskKind
  /** What it is about: a file or torrent name. */
  label: string
  /** The torrent it belongs to; null while hashing a drop (no torrent yet). */
  infoHashHex: string | null
  doneBytes: number
  totalBytes: number
  bytesPerSecond: number
  /** At the current speed; null until there is a speed. */
  secondsLeft: number | null
}

export class Task {
  readonly controller = new AbortController()
  doneBytes = 0
  readonly #rate = new RateMeter(WEB_LIMITS.progressWindowMs, 6)

  constructor(
    readonly id: number,
    readonly kind: TaskKind,
    readonly label: string,
    readonly totalBytes: number,
    public infoHashHex: string | null,
    readonly onChange: () => void,
  ) {
    this.#rate.add(0, performance.now())
  }

  get signal(): AbortSignal {
    return this.controller.signal
  }

  /** Set the bytes done so far (monotonic). */
  progress(doneBytes: number): void {
    const delta = doneBytes - this.doneBytes
    if (delta <= 0) return
    this.doneBytes = doneBytes
    this.#rate.add(delta, performance.now())
    this.onChange()
  }

  view(): TaskView {
    const bytesPerSecond = this.#rate.rate(performance.now())
    const left = this.totalBytes - this.doneBytes
    return {
      id: this.id,
      kind: this.kind,
      label: this.label,
      infoHashHex: this.infoHashHex,
      doneBytes: this.doneBytes,
      totalBytes: this.totalBytes,
      bytesPerSecond,
      secondsLeft: bytesPerSecond > 0 ? left / bytesPerSecond : null,
    }
  }
}

/** The tasks under way; a finished or cancelled one leaves the list. */
export class TaskList {
  onChange: (() => void) | null = null
  readonly #tasks = new Map<number, Task>()
  #nextId = 1

  start(kind: TaskKind, label: string, totalBytes: number, infoHashHex: string | null = null): Task {
    const task = new Task(this.#nextId++, kind, label, totalBytes, infoHashHex, () => this.onChange?.())
    this.#tasks.set(task.id, task)
    this.onChange?.()
    return task
  }

  /** Run `work` as a task: it leaves the list when it ends, however it ends. */
  async run<T>(kind: TaskKind, label: string, totalBytes: number, infoHashHex: string | null, work: (task: Task) => Promise<T>): Promise<T> {
    const task = this.start(kind, label, totalBytes, infoHashHex)
    try {
      return await work(task)
    } finally {
      this.#tasks.delete(task.id)
      this.onChange?.()
    }
  }

  cancel(id: number): boolean {
    const task = this.#tasks.get(id)
    task?.controller.abort(new DOMException(`${task.kind} cancelled`, 'AbortError'))
    return task !== undefined
  }

  /** Cancel every task of a torrent (it is being removed). */
  cancelFor(infoHashHex: string): void {
    for (const t of this.#tasks.values()) if (t.infoHashHex === infoHashHex) this.cancel(t.id)
  }

  views(): TaskView[] {
    return [...this.#tasks.values()].map((t) => t.view())
  }
}

export function isAbort(err: unknown): boolean {
  return err instanceof DOMException && err.name === 'AbortError'
}
