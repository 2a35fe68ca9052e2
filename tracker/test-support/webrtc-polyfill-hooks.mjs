// Node module hooks for tests that load bittorrent-tracker's client: it imports `webrtc-polyfill`,
// whose Node build needs node-datachannel's native binary, which cannot install here (its install
// step downloads it). @roamhq/wrtc (a dependency of the project) provides the same WebRTC classes.
export async function resolve(specifier, context, next) {
  if (specifier === 'webrtc-polyfill') return { url: new URL('./webrtc-polyfill-shim.mjs', import.meta.url).href, shortCircuit: true }
  return next(specifier, context)
}
