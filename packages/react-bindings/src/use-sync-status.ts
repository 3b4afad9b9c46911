import type { DocHandle, DocStatus } from '@weft/client'
import { useCallback, useRef, useSyncExternalStore } from 'react'
import { aggregateStatus, sameDocStatus } from './aggregate-status.js'
import { toHandle, type HandleLike } from './handle-like.js'
import { useRegistry } from './provider.js'

/**
 * Where edits stand: `connection` (offline / connecting / syncing / synced),
 * `unsaved` (edits the server has not acked), `savedLocally`, `savedOnServer`.
 * With a handle, that doc's status; without, all docs open through hooks of
 * this provider together (least connected, unsaved summed), and every other
 * doc of the client that still has edits to save: a note the user left while
 * offline keeps counting until the server has its edits.
 *
 * @example
 * const { connection, unsaved, savedOnServer } = useSyncStatus()
 */
export function useSyncStatus(source?: HandleLike): DocStatus {
  const registry = useRegistry()
  const handle = source === undefined ? undefined : toHandle(source)
  const last = useRef<DocStatus | null>(null)

  const subscribe = useCallback(
    (notify: () => void) => {
      if (handle) return handle.on('status', notify)
      // Provider-wide: follow every handle of the client (one left by the UI may still be saving),
      // each one's status, the set of handles in use, and the shared link.
      let offs: Array<() => void> = []
      const follow = (): void => {
        for (const off of offs) off()
        offs = registry.client.docs().map((h) => h.on('status', notify))
      }
      follow()
      const refollow = (): void => {
        follow()
        notify()
      }
      const offSet = registry.subscribe(refollow)
      const offDoc = registry.client.on('doc', refollow)
      const offLink = registry.client.on('connection', notify)
      return () => {
        for (const off of offs) off()
        offSet()
        offDoc()
        offLink()
      }
    },
    [handle, registry],
  )

  const getSnapshot = (): DocStatus => {
    const next = handle ? handle.status : aggregateStatus(counted(registry.handles(), registry.client.docs()), registry.client.connection)
    // DocHandle.status builds a new object per read: keep the old one while nothing in it changed.
    if (last.current && sameDocStatus(last.current, next)) return last.current
    last.current = next
    return next
  }

  return useSyncExternalStore(subscribe, getSnapshot, getSnapshot)
}

/** The statuses a provider-wide badge sums: the handles in use, and any other handle with edits still to save. */
function counted(inUse: readonly DocHandle[], all: readonly DocHandle[]): DocStatus[] {
  const statuses = inUse.map((h) => h.status)
  for (const h of all) {
    if (inUse.includes(h)) continue
    const s = h.status
    if (s.unsaved > 0 || !s.savedLocally) statuses.push(s)
  }
  return statuses
}
