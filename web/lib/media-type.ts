// What a file in a torrent is to the player, by its extension: a type to serve it as and how the page
// previews it. Only types browsers play or show; anything else is 'none' (saved, not previewed).

export type PreviewKind = 'video' | 'audio' | 'image' | 'text' | 'none'

const TYPES: Record<string, [string, PreviewKind]> = {
  mp4: ['video/mp4', 'video'],
  m4v: ['video/mp4', 'video'],
  webm: ['video/webm', 'video'],
  mkv: ['video/webm', 'video'], // Chromium plays Matroska holding VP8/VP9/AV1 and Opus/Vorbis as WebM
  ogv: ['video/ogg', 'video'],
  mov: ['video/mp4', 'video'],
  mp3: ['audio/mpeg', 'audio'],
  m4a: ['audio/mp4', 'audio'],
  aac: ['audio/aac', 'audio'],
  ogg: ['audio/ogg', 'audio'],
  oga: ['audio/ogg', 'audio'],
  opus: ['audio/ogg', 'audio'],
  flac: ['audio/flac', 'audio'],
  wav: ['audio/wav', 'audio'],
  png: ['image/png', 'image'],
  jpg: ['image/jpeg', 'image'],
  jpeg: ['image/jpeg', 'image'],
  gif: ['image/gif', 'image'],
  webp: ['image/webp', 'image'],
  avif: ['image/avif', 'image'],
  bmp: ['image/bmp', 'image'],
  // SVG is shown as an image only (an <img> runs no script); the stream itself is served sandboxed.
  svg: ['image/svg+xml', 'image'],
  txt: ['text/plain; charset=utf-8', 'text'],
  md: ['text/plain; charset=utf-8', 'text'],
  nfo: ['text/plain; charset=utf-8', 'text'],
  log: ['text/plain; charset=utf-8', 'text'],
  csv: ['text/plain; charset=utf-8', 'text'],
  json: ['text/plain; charset=utf-8', 'text'],
  srt: ['text/plain; charset=utf-8', 'text'],
  vtt: ['text/vtt; charset=utf-8', 'text'],
}

export function mediaTypeOf(name: string): { mime: string; preview: PreviewKind } {
  const ext = /\.([a-z0-9]{1,5})$/i.exec(name)?.[1]?.toLowerCase() ?? ''
  const t = TYPES[ext]
  return t ? { mime: t[0], preview: t[1] } : { mime: 'application/octet-stream', preview: 'none' }
}
