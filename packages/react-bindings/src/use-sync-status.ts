import type { DocStatus } from '@weft/client'
import { useCallback, useRef, useSyncExternalStore } from 'react'
import { aggregateStatus, sameDocStatus } from './aggregate-status.js'
import { toHandle, type HandleLike } from './handle-like.js'
import { useRegistry } from './provider.js'

/**
 * Where edits stand: `connection` (offline / connecting / syncing / synced),
 * `unsaved` (edits the server has not acked), `savedLocally`, `savedOnServer`.
 * With a handle, that doc's status; without, all docs open through hooks of
 * this provider together (least connected, unsaved summed).
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
      // Provider-wide: follow the set of open handles, each one's status, and the shared link.
      let offs: Array<() => void> = []
      const follow = (): void => {
        for (const off of offs) off()
        offs = registry.handles().map((h) => h.on('status', notify))
      }
      follow()
      const offSet = registry.subscribe(() => {
        follow()
        notify()
      })
      const offLink = registry.client.on('connection', notify)
      return () => {
        for (const off of offs) off()
        offSet()
        offLink()
      }
    },
    [handle, registry],
  )

  const getSnapshot = (): DocStatus => {
    const next = handle
      ? handle.status
      : aggregateStatus(
          registry.handles().map((h) => h.status),
          registry.client.connection,
        )
    // DocHandle.status builds a new object per read: keep the old one while nothing in it changed.
    if (last.current && sameDocStatus(last.current, next)) return last.current
    last.current = next
    return next
  }

  return useSyncExternalStore(subscribe, getSnapshot, getSnapshot)
}
