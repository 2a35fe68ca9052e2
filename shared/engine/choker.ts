// Who we upload to: a pure function of the peers' numbers and the time, so the policy is tested with
// tables and swapped without touching sockets (libtorrent's choker, BEP 3's original algorithm).
//
// Leeching: the `slots` interested peers that upload to us fastest are unchoked (tit for tat); a peer
// that has sent us nothing for `snubMs` while unchoked is snubbing and loses its regular slot.
// Seeding: rank by how fast we upload to them (the original client), ties to whoever waited longest;
// a peer unchoked for a whole optimistic period goes to the back so the slots rotate.
// Plus one optimistic unchoke, rotated every `optimisticMs`, new peers three times as likely, so
// newcomers get something to trade and better partners are discovered. With no slots nobody is unchoked.
// A remote's lanes (several connections to one swarmdrop peer: webrtc/peer-pool.ts) share a `group`:
// the policy runs on groups, their rates summed, and a group's sessions are unchoked and choked
// together, so a peer with three lanes takes one slot, not three, and is never served on half of them.

export interface ChokerPeer {
  id: number
  interested: boolean
  /** The peer has every piece: it never needs our upload. */
  seed: boolean
  /** Bytes/s the peer sends us. */
  downloadRate: number
  /** Bytes/s we send the peer. */
  uploadRate: number
  /** When the peer last sent us a block (undefined: never). */
  lastBlockAt: number | undefined
  connectedAt: number
  /** Whether we currently unchoke it, and since when (for snubbing and seeding rotation). */
  unchoked: boolean
  unchokedAt: number | undefined
  /** Sessions to the same remote (its lanes) share a group; undefined: a group of its own. */
  group?: string
}

export interface ChokerOptions {
  slots: number
  seeding: boolean
  optimisticMs: number
  snubMs: number
}

export interface OptimisticState {
  peer: number | null
  since: number
}

export interface ChokeDecision {
  unchoke: Set<number>
  optimistic: OptimisticState
}

/** A peer connected for less than this (one optimistic period) counts as new. */
function isNew(p: ChokerPeer, now: number, o: ChokerOptions): boolean {
  return now - p.connectedAt < o.optimisticMs
}

export function isSnubbing(p: ChokerPeer, now: number, snubMs: number): boolean {
  if (!p.unchoked || p.unchokedAt === undefined) return false
  const since = Math.max(p.unchokedAt, p.lastBlockAt ?? -Infinity)
  return now - since >= snubMs
}

export function rechoke(
  peers: readonly ChokerPeer[],
  previous: OptimisticState,
  now: number,
  o: ChokerOptions,
  random: () => number,
): ChokeDecision {
  const groups = new Map<string, ChokerPeer[]>()
  for (const p of peers) {
    const key = p.group ?? `#${p.id}`
    const g = groups.get(key)
    if (g) g.push(p)
    else groups.set(key, [p])
  }
  if (groups.size === peers.length) return rechokeEach(peers, previous, now, o, random)
  // One stand-in per group (the id of its first session): the choker's numbers for the remote as a whole.
  const members = new Map<number, ChokerPeer[]>()
  const standIns: ChokerPeer[] = []
  for (const g of groups.values()) {
    const first = g[0]!
    const unchoked = g.filter((p) => p.unchoked)
    members.set(first.id, g)
    standIns.push({
      id: first.id,
      interested: g.some((p) => p.interested),
      seed: g.some((p) => p.seed),
      downloadRate: g.reduce((n, p) => n + p.downloadRate, 0),
      uploadRate: g.reduce((n, p) => n + p.uploadRate, 0),
      lastBlockAt: g.reduce<number | undefined>((t, p) => (p.lastBlockAt === undefined ? t : Math.max(t ?? -Infinity, p.lastBlockAt)), undefined),
      connectedAt: Math.min(...g.map((p) => p.connectedAt)),
      unchoked: unchoked.length > 0,
      unchokedAt: unchoked.length > 0 ? Math.min(...unchoked.map((p) => p.unchokedAt ?? now)) : first.unchokedAt,
    })
  }
  const d = rechokeEach(standIns, previous, now, o, random)
  const unchoke = new Set<number>()
  for (const id of d.unchoke) for (const p of members.get(id) ?? []) if (p.interested && !p.seed) unchoke.add(p.id)
  return { unchoke, optimistic: d.optimistic }
}

function rechokeEach(
  peers: readonly ChokerPeer[],
  previous: OptimisticState,
  now: number,
  o: ChokerOptions,
  random: () => number,
): ChokeDecision {
  // No upload slots: uploading is off, the optimistic unchoke included.
  if (o.slots <= 0) return { unchoke: new Set(), optimistic: { peer: null, since: now } }
  const candidates = peers.filter((p) => p.interested && !p.seed)
  const ranked = [...candidates].sort((a, b) => compare(a, b, now, o))
  const regular = ranked.slice(0, o.slots)
  const unchoke = new Set(regular.map((p) => p.id))

  const rest = candidates.filter((p) => !unchoke.has(p.id))
  const current = rest.find((p) => p.id === previous.peer)
  let optimistic: OptimisticState
  if (current && now - previous.since < o.optimisticMs) {
    optimistic = previous
  } else {
    const chosen = weightedPick(rest, (p) => (isNew(p, now, o) ? 3 : 1), random)
    optimistic = chosen ? { peer: chosen.id, since: now } : { peer: null, since: now }
  }
  if (optimistic.peer !== null) unchoke.add(optimistic.peer)
  return { unchoke, optimistic }
}

function compare(a: ChokerPeer, b: ChokerPeer, now: number, o: ChokerOptions): number {
  if (o.seeding) {
    // Rotate: a peer that has had a slot for a whole optimistic period yields it to those waiting,
    // so a seed spreads its pieces over the swarm instead of feeding the same four forever.
    const ea = hadItsTurn(a, now, o)
    const eb = hadItsTurn(b, now, o)
    if (ea !== eb) return ea ? 1 : -1
    if (b.uploadRate !== a.uploadRate) return b.uploadRate - a.uploadRate
    // Rotate: whoever has been choked longest (or unchoked most recently) goes first.
    return waitedSince(a) - waitedSince(b)
  }
  const sa = isSnubbing(a, now, o.snubMs)
  const sb = isSnubbing(b, now, o.snubMs)
  if (sa !== sb) return sa ? 1 : -1
  if (b.downloadRate !== a.downloadRate) return b.downloadRate - a.downloadRate
  return a.id - b.id
}

function hadItsTurn(p: ChokerPeer, now: number, o: ChokerOptions): boolean {
  return p.unchoked && p.unchokedAt !== undefined && now - p.unchokedAt >= o.optimisticMs
}

function waitedSince(p: ChokerPeer): number {
  return p.unchoked ? (p.unchokedAt ?? 0) + 1e15 : (p.unchokedAt ?? -1)
}

function weightedPick<T>(items: readonly T[], weight: (t: T) => number, random: () => number): T | undefined {
  let total = 0
  for (const it of items) total += weight(it)
  if (total <= 0) return undefined
  let r = random() * total
  for (const it of items) {
    r -= weight(it)
    if (r < 0) return it
  }
  return items[items.length - 1]
}
