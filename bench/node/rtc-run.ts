import { bundledCli, type Proc } from '../../node/interop/processes.ts'
import { benchPeer, bounded, closePeers, type BenchPeer } from '../browser/chromium.ts'
import { cpuMeter, PeerRoles } from '../browser/proc-cpu.ts'
import { runSwarmdrop, fetchInLeecher, storedSha256 } from '../browser/swarmdrop-run.ts'
import { ProcSampler } from './proc-stats.ts'
import { sha256 } from './same-file.ts'

// A Node peer (`cli seed`, WebRTC through @roamhq/wrtc) to a Chromium tab, beside tab to tab
// (bench/browser's swarmdrop run), the same size, through our tracker process serving the harness page.
// Both are timed in the leecher page from adding the magnet to done; the leecher's browser CPU and the
// seeder's CPU (its Node process, or its browser) per MiB.

export interface RtcResult {
  name: 'node->tab' | 'tab->tab'
  mib: number
  ok: boolean
  error?: string
  seconds?: number
  mbPerS?: number
  cpuMsPerMiB?: { seeder: number; leecher: number }
}

export async function runTabToTab(appUrl: string, mib: number, timeoutMs: number): Promise<RtcResult> {
  const r = await runSwarmdrop(appUrl, { mib, seeders: 1, timeoutMs })
  if (!r.ok || r.seconds === undefined) return { name: 'tab->tab', mib, ok: false, error: r.error ?? 'failed' }
  return {
    name: 'tab->tab',
    mib,
    ok: true,
    seconds: r.seconds,
    mbPerS: r.mbPerS!,
    ...(r.cpu ? { cpuMsPerMiB: { seeder: perMiB(r.cpu.byRole['seeder'] ?? 0, mib), leecher: perMiB(r.cpu.byRole['leecher'] ?? 0, mib) } } : {}),
  }
}

export async function runNodeToTab(o: { dataPath: string; trackerUrl: string; mib: number; timeoutMs: number }): Promise<RtcResult> {
  const peers: BenchPeer[] = []
  let seeder: Proc | null = null
  try {
    return await bounded('node->tab', o.timeoutMs, (async () => {
      seeder = bundledCli('seed', o.dataPath, '--tracker', o.trackerUrl, '--port', '0', '--json')
      const seeding = await seeder.waitFor((l) => l['type'] === 'seeding', o.timeoutMs)
      if (!seeding['webrtc']) throw new Error('the Node peer has no WebRTC')
      const roles = new PeerRoles()
      const leecher = await benchPeer(seeding['link'] as string)
      peers.push(leecher)
      roles.mark('leecher')
      await leecher.page.evaluate(async () => {
        await window.swarmdropHarness.clientHelpers.startClient()
      })
      const nodeCpu = new ProcSampler(seeder.child.pid!)
      const cpu0 = nodeCpu.cpu
      const browserCpu = cpuMeter(roles)
      const got = await fetchInLeecher(leecher, o.timeoutMs)
      nodeCpu.stop()
      const cpu = browserCpu()
      const ok = (await storedSha256(leecher, got.hex)) === (await sha256(o.dataPath))
      return {
        name: 'node->tab' as const,
        mib: o.mib,
        ok,
        ...(ok ? {} : { error: 'the stored bytes differ' }),
        seconds: Math.round(got.ms / 10) / 100,
        mbPerS: Math.round(((o.mib * 1.048576) / (got.ms / 1000)) * 10) / 10,
        cpuMsPerMiB: { seeder: perMiB(nodeCpu.cpu - cpu0, o.mib), leecher: perMiB(cpu.byRole['leecher'] ?? 0, o.mib) },
      }
    })())
  } catch (err) {
    return { name: 'node->tab', mib: o.mib, ok: false, error: err instanceof Error ? err.message.split('\n')[0]! : String(err) }
  } finally {
    await closePeers(peers)
    await (seeder as Proc | null)?.kill('SIGKILL')
  }
}

function perMiB(seconds: number, mib: number): number {
  return Math.round(((seconds * 1000) / mib) * 100) / 100
}

