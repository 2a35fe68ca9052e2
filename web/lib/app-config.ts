import { ownTracker } from './share-link.ts'

// What the deployment decides: the trackers new torrents announce to and the ICE servers WebRTC uses.
// The tracker process serves it as /config.json ({ trackers: [...], iceServers: [...] }). Without it
// (or when it is malformed) the page falls back to its own tracker and no ICE servers, which is
// enough on one machine or a LAN (host candidates) but not across NATs: set STUN/TURN there.

export interface AppConfig {
  trackers: string[]
  iceServers: RTCIceServer[]
}

export const APP_CONFIG_LIMITS = { maxTrackers: 20, maxIceServers: 10 } as const

/** An RTCIceServer with stun:/stuns:/turn:/turns: URLs (also used for the person's settings). */
export function isIceServer(v: unknown): v is RTCIceServer {
  if (typeof v !== 'object' || v === null) return false
  const { urls, username, credential } = v as Record<string, unknown>
  const url = (u: unknown) => typeof u === 'string' && /^(stun|stuns|turn|turns):./i.test(u)
  const urlsOk = url(urls) || (Array.isArray(urls) && urls.length > 0 && urls.every(url))
  return urlsOk && (username === undefined || typeof username === 'string') && (credential === undefined || typeof credential === 'string')
}

/** Validate a parsed /config.json; anything unusable is dropped, never thrown. */
export function parseAppConfig(json: unknown, pageUrl: string): AppConfig {
  const fallback = ownTracker(pageUrl)
  const obj = typeof json === 'object' && json !== null ? (json as Record<string, unknown>) : {}
  const trackers = Array.isArray(obj['trackers'])
    ? obj['trackers'].filter((t): t is string => typeof t === 'string' && /^wss?:\/\/./i.test(t)).slice(0, APP_CONFIG_LIMITS.maxTrackers)
    : []
  const iceServers = Array.isArray(obj['iceServers']) ? obj['iceServers'].filter(isIceServer).slice(0, APP_CONFIG_LIMITS.maxIceServers) : []
  return { trackers: trackers.length > 0 ? trackers : [fallback], iceServers }
}

export async function loadAppConfig(pageUrl: string = location.href, fetchImpl: typeof fetch = fetch): Promise<AppConfig> {
  try {
    const res = await fetchImpl(new URL('/config.json', pageUrl), { cache: 'no-store' })
    if (!res.ok) return parseAppConfig(null, pageUrl)
    return parseAppConfig(await res.json(), pageUrl)
  } catch {
    return parseAppConfig(null, pageUrl)
  }
}
