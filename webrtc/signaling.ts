// The contract between the tracker client (which carries SDP through the tracker) and whoever owns the
// WebRTC connections (peer-pool.ts). Ids are 20-character binary strings (one char per byte, latin1),
// exactly as the WebTorrent tracker protocol carries them (the server side: tracker/protocol.ts).

export interface SessionDescription {
  type: 'offer' | 'answer'
  sdp: string
}

export interface TrackerOffer {
  offerId: string
  offer: SessionDescription
}

export interface PeerSignaling {
  /** Up to `count` fresh offers for this torrent (fewer when connection caps are reached). */
  makeOffers(infoHash: string, count: number): Promise<TrackerOffer[]>
  /** A remote offer relayed by a tracker: the answer to send back, or null to decline. */
  answerOffer(infoHash: string, remotePeerId: string, offerId: string, offer: SessionDescription): Promise<SessionDescription | null>
  /** A remote answer to one of our offers. Unknown or expired offer ids are ignored. */
  acceptAnswer(infoHash: string, remotePeerId: string, offerId: string, answer: SessionDescription): void
}
