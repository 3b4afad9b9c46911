import { SYNC_ORIGIN } from '@weft/crdt-core'

/** Where a remote change came from, in a word: `server`, `tab`, `storage`, or the origin's own name. */
export function originLabel(origin: unknown): string {
  if (origin === SYNC_ORIGIN) return 'server'
  if (typeof origin === 'symbol') {
    const d = origin.description ?? ''
    if (d === 'weft:tab') return 'tab'
    if (d === 'weft:local-storage') return 'storage'
    return d.replace(/^weft:/, '') || 'remote'
  }
  if (origin === undefined || origin === null) return 'remote'
  return typeof origin === 'string' ? origin : String(origin)
}
