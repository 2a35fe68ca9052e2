import { parseAppConfig, type AppConfig } from '../web/lib/app-config.ts'

// Is a tracker URL one of ours (a swarmdrop server, which also serves the web app)? Our server answers
// /config.json on the tracker's host; that is what makes a share link possible
// (https://host/#magnet:..., opened by the web app there), and it names the ICE servers the web app
// uses, which the Node peer's WebRTC should use too.

const PROBE_TIMEOUT_MS = 3_000

export interface OurServer {
  /** The web app's address: http(s)://host/ */
  appUrl: string
  config: AppConfig
}

/** The web app's origin for a tracker URL (ws -> http, wss -> https), or null for other schemes. */
export function appOrigin(trackerUrl: string): string | null {
  let u: URL
  try {
    u = new URL(trackerUrl)
  } catch {
    return null
  }
  const scheme = { 'ws:': 'http:', 'wss:': 'https:', 'http:': 'http:', 'https:': 'https:' }[u.protocol]
  return scheme ? `${scheme}//${u.host}/` : null
}

async function probe(appUrl: string): Promise<OurServer | null> {
  try {
    const res = await fetch(new URL('/config.json', appUrl), { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) })
    if (!res.ok) return null
    const json: unknown = await res.json()
    if (typeof json !== 'object' || json === null || !Array.isArray((json as { trackers?: unknown }).trackers)) return null
    return { appUrl, config: parseAppConfig(json, appUrl) }
  } catch {
    return null
  }
}

/** The first of these trackers (in order) that is served by a swarmdrop server, probed at once. */
export async function findOurServer(urls: readonly string[]): Promise<OurServer | null> {
  const origins = [...new Set(urls.map(appOrigin).filter((o): o is string => o !== null))]
  const found = await Promise.all(origins.map(probe))
  return found.find((f) => f !== null) ?? null
}
