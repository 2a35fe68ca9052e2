// Serves the built web app (vite's dist/web): content types, caching (hashed assets immutable,
// index.html revalidated every time) and security headers fit for a WebRTC app. Paths are resolved
// inside the root only; dotfiles are never served. A missing build gives a 503 that says what to do.

import { createReadStream, type Stats } from 'node:fs'
import { stat } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { extname, join, normalize, resolve, sep } from 'node:path'

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.torrent': 'application/x-bittorrent',
}

/**
 * CSP for the app: scripts and styles from our origin only (Svelte may set inline style attributes),
 * WebSocket trackers anywhere (connect-src ws: wss:), blobs for downloads and media previews, workers
 * for hashing. WebRTC itself is not governed by CSP.
 */
export const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob:",
  "font-src 'self'",
  "connect-src 'self' ws: wss:",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ')

export function securityHeaders(res: ServerResponse, tls: boolean): void {
  res.setHeader('Content-Security-Policy', contentSecurityPolicy)
  res.setHeader('X-Content-Type-Options', 'nosniff')
  res.setHeader('Referrer-Policy', 'no-referrer')
  res.setHeader('X-Frame-Options', 'DENY')
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin')
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin')
  res.setHeader('Permissions-Policy', 'camera=(), microphone=(), geolocation=(), payment=()')
  if (tls) res.setHeader('Strict-Transport-Security', 'max-age=31536000')
}

export class StaticFiles {
  readonly root: string
  constructor(root: string) {
    this.root = resolve(root)
  }

  /** Map a URL path to a file inside the root, or null (traversal, dotfile, bad encoding). */
  resolvePath(urlPath: string): string | null {
    let decoded: string
    try {
      decoded = decodeURIComponent(urlPath)
    } catch {
      return null
    }
    if (decoded.includes('\0')) return null
    const rel = normalize(decoded).replace(/^[/\\]+/, '')
    if (rel.split(/[/\\]/).some(part => part.startsWith('.'))) return null
    const full = join(this.root, rel === '' ? 'index.html' : rel)
    if (full !== this.root && !full.startsWith(this.root + sep)) return null
    return full
  }

  async serve(req: IncomingMessage, res: ServerResponse, urlPath: string): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' })
      res.end('method not allowed\n')
      return
    }
    const path = this.resolvePath(urlPath)
    if (path === null) return notFound(res)
    let file = path
    let st = await statFile(file)
    if (st === null && extname(path) === '') {
      // Client-side routes (no extension) get the app shell.
      file = join(this.root, 'index.html')
      st = await statFile(file)
    }
    if (st === null) {
      if ((await statFile(join(this.root, 'index.html'))) === null) {
        res.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' })
        res.end(`The web app is not built (no ${join(this.root, 'index.html')}). Run \`npm run build\`, ` +
          'or `npm start` which builds and serves. The tracker itself is running.\n')
        return
      }
      return notFound(res)
    }
    const etag = `W/"${st.size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}"`
    const immutable = /[/\\]assets[/\\]/.test(file.slice(this.root.length))
    res.setHeader('Content-Type', contentTypes[extname(file).toLowerCase()] ?? 'application/octet-stream')
    res.setHeader('Cache-Control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
    res.setHeader('ETag', etag)
    res.setHeader('Last-Modified', st.mtime.toUTCString())
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304)
      res.end()
      return
    }
    res.setHeader('Content-Length', st.size)
    res.writeHead(200)
    if (req.method === 'HEAD') return void res.end()
    const stream = createReadStream(file)
    stream.on('error', () => res.destroy())
    stream.pipe(res)
  }
}

async function statFile(path: string): Promise<Stats | null> {
  try {
    const st = await stat(path)
    return st.isFile() ? st : null
  } catch {
    return null
  }
}

function notFound(res: ServerResponse): void {
  res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' })
  res.end('not found\n')
}
