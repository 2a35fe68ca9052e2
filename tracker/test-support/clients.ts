// Real classic clients (Debian's aria2c, transmission) as the tests start them: a child process with
// its output kept for the failure message, and aria2c's flags for finding peers through the tracker only.

import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { freePort, freeUdpPort } from '../../e2e/support/app-server.ts'

export const ARIA2C = '/usr/bin/aria2c'

export interface Tool { child: ChildProcess; exited: Promise<number | null>; output: () => string }

/** Start `cmd`; it is added to `children` (the test kills them all afterwards). */
export function startTool(cmd: string, args: string[], children: ChildProcess[]): Tool {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  children.push(child)
  let out = ''
  child.stdout?.on('data', (d: Buffer) => { out = (out + d.toString()).slice(-8000) })
  child.stderr?.on('data', (d: Buffer) => { out = (out + d.toString()).slice(-8000) })
  const exited = new Promise<number | null>(resolve => child.on('exit', code => resolve(code)))
  return { child, exited, output: () => out }
}

/** aria2c with every way of finding peers off but the tracker. UDP trackers need aria2's DHT socket: on, with no nodes. */
export async function aria2Args(dir: string, udp: boolean): Promise<string[]> {
  const common = [
    '--dir', dir, '--listen-port', String(await freePort()), '--bt-enable-lpd=false', '--enable-peer-exchange=false',
    '--enable-dht6=false', '--file-allocation=none', '--summary-interval=0', '--console-log-level=warn', '--check-certificate=false',
    '--bt-stop-timeout=0', '--auto-file-renaming=false',
  ]
  return udp
    ? [...common, '--enable-dht=true', '--dht-listen-port', String(await freeUdpPort()), '--dht-file-path', join(dir, '..', `dht-${Math.random()}.dat`)]
    : [...common, '--enable-dht=false']
}
