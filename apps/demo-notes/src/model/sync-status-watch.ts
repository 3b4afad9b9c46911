import type { Client, DocHandle, DocStatus } from '@weft/client'
import { aggregateStatus, sameDocStatus } from '@weft/react'

/**
 * Follows where this device's edits stand, as `useSyncStatus()` does (the
 * docs in use, the least connected; plus any other doc of the client that
 * still has edits to save), and calls `onStatus` with it now and whenever
 * it changes. Returns the function that stops it.
 *
 * Not a hook: the badge writes its element from here, so a status change
 * (two per keystroke: unsaved, then acked) costs no React render, whose
 * commit would walk the focused editor's whole DOM (see use-open-doc.ts).
 */
export function watchSyncStatus(client: Client, inUse: readonly DocHandle[], onStatus: (status: DocStatus) => void): () => void {
  let last: DocStatus | null = null
  const check = (): void => {
    const statuses = inUse.map((h) => h.status)
    for (const h of client.docs()) {
      if (inUse.includes(h)) continue
      const s = h.status
      if (s.unsaved > 0 || !s.savedLocally) statuses.push(s)
    }
    const next = aggregateStatus(statuses, client.connection)
    if (last !== null && sameDocStatus(last, next)) return
    last = next
    onStatus(next)
  }
  let offs: (() => void)[] = []
  const follow = (): void => {
    for (const off of offs) off()
    const handles = new Set([...inUse, ...client.docs()])
    offs = [...handles].map((h) => h.on('status', check))
  }
  follow()
  const offDoc = client.on('doc', () => {
    follow()
    check()
  })
  const offLink = client.on('connection', check)
  check()
  return () => {
    for (const off of offs) off()
    offDoc()
    offLink()
  }
}
