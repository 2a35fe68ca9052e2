// What the page needs from the browser, checked before the client starts: without these it cannot
// work at all, and the person should learn it in words rather than from a silent page.

export function missingFeatures(g: typeof globalThis = globalThis): string[] {
  const missing: string[] = []
  if (typeof g.RTCPeerConnection !== 'function') missing.push('WebRTC (to connect to other browsers)')
  const storage = (g.navigator as Navigator | undefined)?.storage
  if (typeof storage?.getDirectory !== 'function') missing.push('the Origin Private File System (to store what it downloads)')
  if (typeof g.indexedDB === 'undefined') missing.push('IndexedDB (to remember your torrents)')
  if (typeof g.crypto?.subtle?.digest !== 'function') missing.push('WebCrypto (to check pieces; pages served over plain http from another machine lack it: use https)')
  return missing
}
