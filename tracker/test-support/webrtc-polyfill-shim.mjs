// webrtc-polyfill's exports, from @roamhq/wrtc (see webrtc-polyfill-hooks.mjs).
import wrtc from '@roamhq/wrtc'
export const { RTCPeerConnection, RTCSessionDescription, RTCIceCandidate, RTCDataChannel } = wrtc
