// A disk problem that stops one torrent (and only that one): the disk is full, a data file vanished or
// shrank under us, a file cannot be written. The message is what the user reads.

export type StoreFaultKind = 'disk-full' | 'vanished' | 'changed' | 'not-writable' | 'io'

export class StoreFault extends Error {
  override name = 'StoreFault'
  constructor(
    readonly kind: StoreFaultKind,
    readonly path: string,
    message: string,
  ) {
    super(message)
  }
}

/** Names a file-system error for the user, keeping its code's meaning. */
export function faultOf(err: unknown, path: string, doing: 'reading' | 'writing' | 'opening'): StoreFault {
  if (err instanceof StoreFault) return err
  const code = (err as NodeJS.ErrnoException | null)?.code
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return new StoreFault('disk-full', path, `disk full ${doing} ${path}`)
    case 'ENOENT':
      return new StoreFault('vanished', path, `data file vanished: ${path}`)
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return new StoreFault('not-writable', path, `cannot ${doing === 'reading' ? 'read' : 'write'} ${path}: ${code === 'EROFS' ? 'read-only file system' : 'permission denied'}`)
    default:
      return new StoreFault('io', path, `${doing} ${path} failed: ${err instanceof Error ? err.message : String(err)}`)
  }
}
