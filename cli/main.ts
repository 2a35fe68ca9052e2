// swarmdrop's command line: `inspect` a .torrent or magnet link, `create` a .torrent from files.
// Any failure prints one line to stderr and exits non-zero: 2 for a usage error, 1 for bad input.
import { runInspect } from './inspect.ts'
import { runCreate } from './create.ts'
import { UsageError, describeError } from './errors.ts'

const USAGE = `usage:
  swarmdrop inspect <file.torrent | magnet-uri> [--json]
  swarmdrop create <path...> [--piece-length BYTES] [--announce URL]... [--url-list URL]...
                   [--private] [--comment TEXT] [--name NAME] [-o out.torrent]`

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE + '\n')
    return command === undefined ? 2 : 0
  }
  if (command === 'inspect') return runInspect(rest)
  if (command === 'create') return runCreate(rest)
  throw new UsageError(`unknown command "${command}" (try inspect or create)`)
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (err: unknown) => {
    process.stderr.write(`swarmdrop: ${describeError(err)}\n`)
    if (err instanceof UsageError) process.stderr.write(USAGE + '\n')
    process.exitCode = err instanceof UsageError ? 2 : 1
  },
)
