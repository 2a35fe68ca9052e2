// The command itself: flags, the listening line, and a graceful shutdown on SIGTERM.

import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { Client, announce, id } from './test-support/harness.ts'

const main = fileURLToPath(new URL('./main.ts', import.meta.url))

function run(args: string[]): { child: ReturnType<typeof spawn>; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', main, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout?.on('data', (d: Buffer) => { out += d.toString() })
  child.stderr?.on('data', (d: Buffer) => { out += d.toString() })
  const exited = new Promise<number | null>(resolve => child.on('exit', code => resolve(code)))
  return { child, output: () => out, exited }
}

describe('tracker/main.ts', () => {
  it('prints --help and exits 0; refuses a bad flag with exit code 2', async () => {
    const help = run(['--help'])
    expect(await help.exited).toBe(0)
    expect(help.output()).toContain('--max-connections')
    const bad = run(['--port', 'nope'])
    expect(await bad.exited).toBe(2)
    expect(bad.output()).toContain('--port')
  })

  it('logs the listening line, serves, and on SIGTERM closes clients with 1001 and exits 0', async () => {
    const p = run(['--port', '0', '--host', '127.0.0.1', '--web-root', '/nonexistent'])
    const url = await new Promise<string>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(p.output())), 20_000)
      p.child.stdout?.on('data', () => {
        const m = /swarmdrop listening on (http:\/\/\S+)/.exec(p.output())
        if (m?.[1] !== undefined) { clearTimeout(t); resolve(m[1]) }
      })
    })
    const client = await Client.open(url.replace('http', 'ws') + '/announce')
    expect(await client.request(announce(id('ih'), id('me')))).toMatchObject({ action: 'announce', incomplete: 1 })
    p.child.kill('SIGTERM')
    expect(await client.closed).toBe(1001)
    expect(await p.exited).toBe(0)
    expect(p.output()).toContain('"msg":"shutting down"')
  })
})
