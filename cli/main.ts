// swarmdrop's command line: `inspect` a .torrent or magnet link, `create` a .torrent from files,
// `seed` and `download` with the Node peer (node/).
// Any failure prints one line to stderr and exits non-zero: 2 for a usage error, 1 for bad input or a
// fault (run-peer.ts: 130/143 for a download stopped by SIGINT/SIGTERM). The README lists them.
import { runInspect } from './inspect.ts'
import { runCreate } from './create.ts'
import { runDownload } from './download.ts'
import { runSeed } from './seed.ts'
import { UsageError, describeError } from './errors.ts'

const USAGE = `usage:
  swarmdrop inspect <file.torrent | magnet-uri> [--json]
  swarmdrop create <path...> [--piece-length BYTES] [--announce URL]... [--url-list URL]...
                   [--private] [--comment TEXT] [--name NAME] [-o out.torrent] [--v2 | --hybrid]
  swarmdrop seed <path | file.torrent> [--data DIR] [--tracker URL]... [--torrent-out F]
                 [--piece-length BYTES] [--v2 | --hybrid] [--port N] [--json] [--no-webrtc]
  swarmdrop download <file.torrent | magnet | share link> [-o DIR] [--tracker URL]...
                 [--port N] [--seed] [--json] [--no-webrtc]

create (and seed, given files) makes a v1 torrent (BEP 3); --v2 a v2-only one (BEP 52, SHA-256
merkle trees), --hybrid one that v1 and v2 clients share (both, as libtorrent makes them).
seed and download listen on TCP port 6881 by default (--port 0: any free port), reach classic
clients over TCP and browsers over WebRTC, and stop cleanly on Ctrl-C (a "stopped" announce).`

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE + '\n')
    return command === undefined ? 2 : 0
  }
  if (command === 'inspect') return runInspect(rest)
  if (command === 'create') return runCreate(rest)
  if (command === 'seed') return runSeed(rest)
  if (command === 'download') return runDownload(rest)
  throw new UsageError(`unknown command "${command}" (try inspect, create, seed or download)`)
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
    // seed and download are done with the network when they return, but a native WebRTC thread or
    // a closing socket may hold the event loop: exit once output is flushed, or after a second.
    setTimeout(() => process.exit(code), 1000).unref()
  },
  (err: unknown) => {
    process.stderr.write(`swarmdrop: ${describeError(err)}\n`)
    if (err instanceof UsageError) process.stderr.write(USAGE + '\n')
    process.exitCode = err instanceof UsageError ? 2 : 1
  },
)
