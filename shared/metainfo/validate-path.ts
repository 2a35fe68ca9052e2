// Torrent names and file path segments come from strangers and end up as file names (OPFS, disk):
// nothing may climb out of the download folder or hide there. A segment is refused when it is
// empty, "." or "..", contains "/" or "\" (a separator on some system, so also no absolute paths
// or drive-relative tricks like "C:\x"), NUL or any other control character (C0, DEL, C1), or is
// not well-formed text (lone surrogates cannot be written as UTF-8 file names).

import { MetainfoError } from '../errors.ts'

// C0 controls, DEL and C1 controls (U+0080..U+009F), the separators, and lone surrogates.
const FORBIDDEN = /[\u0000-\u001f\u007f-\u009f/\\]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/u

/** Why a segment is unsafe, or null when it is safe. */
export function unsafeSegmentReason(segment: string): string | null {
  if (segment === '') return 'an empty segment'
  if (segment === '.' || segment === '..') return `a "${segment}" segment`
  const m = FORBIDDEN.exec(segment)
  if (m !== null) {
    const ch = m[0]
    if (ch === '/' || ch === '\\') return `a "${ch}" inside a segment`
    return `the character U+${ch.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`
  }
  return null
}

/** How a path looks in an error message (quoted, so odd characters stay visible). */
export function showPath(segments: readonly string[]): string {
  return JSON.stringify(segments.join('/'))
}

/** Throws MetainfoError naming `what` (e.g. 'file 3 "a/b"') when a segment is unsafe. */
export function assertSafePath(segments: readonly string[], what: string): void {
  if (segments.length === 0) throw new MetainfoError(`${what} has an empty path`)
  for (const s of segments) {
    const reason = unsafeSegmentReason(s)
    if (reason !== null) throw new MetainfoError(`${what} has an unsafe path: ${reason}`)
  }
}
