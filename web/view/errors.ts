import { BencodeError, MagnetError, MetainfoError } from '../../shared/errors.ts'

// Errors in words a person understands, saying what went wrong with what they did. The typed errors
// of shared/ already say what is wrong and where; this says which of the person's actions it was.

export function describeError(err: unknown, input?: 'link' | 'torrent'): string {
  const message = err instanceof Error ? err.message : String(err)
  if (err instanceof BencodeError || err instanceof MetainfoError) {
    return `This .torrent file cannot be read: ${message}.`
  }
  if (err instanceof MagnetError || (input === 'link' && err instanceof TypeError)) {
    return `That is not a share link, a magnet link or an info hash: ${message}.`
  }
  if (err instanceof Error && err.name === 'QuotaError') {
    return `Not enough storage: ${message.replace(/^not enough storage: /, '')}. Free some in Settings or remove torrents.`
  }
  if (err instanceof DOMException && err.name === 'QuotaExceededError') {
    return 'Storage is full: the browser refused to store more for this site. Free some in Settings or remove torrents.'
  }
  if (input === 'torrent' && err instanceof TypeError) return `This .torrent file cannot be read: ${message}.`
  return message.charAt(0).toUpperCase() + message.slice(1)
}
