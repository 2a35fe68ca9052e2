// Anchor: webtorrent's wire (bittorrent-protocol) moving the same bytes between two Wires in one
// process, 16 KiB requests with 64 outstanding. No piece picking, no verification, no storage:
// what the wire alone costs in a WebTorrent peer.
import Protocol from 'bittorrent-protocol'

export async function wireAnchor(total: number, pieceLength: number): Promise<{ MBps: number; cpuMsPerMiB: number; seconds: number }> {
  const BLOCK = 16384
  const infoHash = 'ab'.repeat(20)
  const seeder = new Protocol()
  const leecher = new Protocol()
  seeder.pipe(leecher).pipe(seeder)
  const block = new Uint8Array(BLOCK).fill(7)
  seeder.on('interested', () => seeder.unchoke())
  seeder.on('request', (_i: number, _o: number, length: number, respond: (e: Error | null, b: Uint8Array) => void) => respond(null, block.subarray(0, length)))
  const unchoked = new Promise<void>((r) => leecher.on('unchoke', () => r()))
  seeder.handshake(infoHash, '11'.repeat(20), { fast: true })
  leecher.handshake(infoHash, '22'.repeat(20), { fast: true })
  leecher.interested()
  await unchoked

  const blocks = total / BLOCK
  const perPiece = pieceLength / BLOCK
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  await new Promise<void>((resolve, reject) => {
    let next = 0
    let received = 0
    const ask = () => {
      const n = next++
      leecher.request(Math.floor(n / perPiece), (n % perPiece) * BLOCK, BLOCK, (err: Error | null) => {
        if (err) return reject(err)
        if (++received === blocks) return resolve()
        if (next < blocks) ask()
      })
    }
    for (let i = 0; i < 64 && next < blocks; i++) ask()
  })
  const seconds = (performance.now() - t0) / 1000
  const cpu = process.cpuUsage(cpu0)
  seeder.destroy()
  leecher.destroy()
  return {
    MBps: Math.round((total / 1e6 / seconds) * 10) / 10,
    cpuMsPerMiB: Math.round(((cpu.user + cpu.system) / 1000 / (total / 1048576)) * 1000) / 1000,
    seconds: Math.round(seconds * 1000) / 1000,
  }
}
