import { SwarmdropError } from '../shared/errors.ts'
import { StoreFault } from '../node/store-fault.ts'

/** The command line was wrong (exit 2), as opposed to the input being bad (exit 1). */
export class UsageError extends Error {}

/** The arguments were fine but the run cannot go on (no data for a torrent, a port in use): exit 1. */
export class RunError extends Error {}

/** One line for the user: our typed errors and file-system errors say what; anything else is a bug. */
export function describeError(err: unknown): string {
  if (err instanceof SwarmdropError || err instanceof UsageError || err instanceof RunError || err instanceof StoreFault) return err.message
  const e = err as NodeJS.ErrnoException
  if (e && typeof e.code === 'string' && typeof e.message === 'string') {
    const path = e.path ? ` ${e.path}` : ''
    if (e.code === 'ENOENT') return `no such file or directory:${path}`
    if (e.code === 'EACCES') return `permission denied:${path}`
    if (e.code === 'EISDIR') return `is a directory:${path}`
    return `${e.code}:${path} ${e.message}`
  }
  return `unexpected error: ${err instanceof Error ? err.message : String(err)}`
}
