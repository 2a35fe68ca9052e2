import type { DroppedFile } from './seed-files.ts'

// The name of a torrent made from what a person dropped or picked. One file names itself and files
// under one top folder take the folder's name (createTorrent does both); anything else (several loose
// files, or files from several folders) needs a name, or createTorrent refuses it. We make one from the
// first file, as a person would describe the drop: "holiday and 2 more".

/** Longest name we make (a folder name on save; file systems allow 255 bytes). */
const MAX_NAME_CHARS = 120

/** A name for `files`, or undefined when createTorrent names the torrent itself. */
export function defaultTorrentName(files: readonly Pick<DroppedFile, 'path'>[]): string | undefined {
  if (files.length === 0) return undefined
  if (files.length === 1 && files[0]!.path.length === 1) return undefined
  const top = files[0]!.path[0]
  if (files.every((f) => f.path.length > 1 && f.path[0] === top)) return undefined
  const first = [...files].map((f) => f.path.join('/')).sort()[0]!
  const base = first.split('/').pop()!
  const stem = base.replace(/\.[^.]{1,8}$/, '') || base
  const others = files.length - 1
  return `${stem.slice(0, MAX_NAME_CHARS)} and ${others} more`
}
