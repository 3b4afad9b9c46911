import type { DocHandle, DocStatus } from '@weft/client'
import type { Doc } from '@weft/crdt-core'
import { useEffect, useMemo, useSyncExternalStore } from 'react'
import { useRegistry } from './provider.js'
import { useSyncStatus } from './use-sync-status.js'

/** What {@link useDoc} returns; pass it (or its `handle`) to the other hooks. */
export interface UseDocResult {
  readonly handle: DocHandle
  readonly doc: Doc
  readonly status: DocStatus
  /** True once the doc has loaded from local storage (no network needed). */
  readonly ready: boolean
}

/**
 * Open a doc by id. It is usable at once (empty until local storage has
 * loaded it; `ready` tells when it has) and stays open when the component
 * unmounts, since other components and tabs may share the handle.
 *
 * @example
 * const note = useDoc('note:42')
 * if (!note.ready) return <Spinner />
 * const title = useDocState(note, (d) => d.getMap('meta').get('title'))
 */
export function useDoc(id: string): UseDocResult {
  const registry = useRegistry()
  const handle = useMemo(() => registry.client.doc(id), [registry, id])
  useEffect(() => registry.retain(handle), [registry, handle])
  const ready = useReady(handle)
  const status = useSyncStatus(handle)
  return useMemo(() => ({ handle, doc: handle.doc, status, ready }), [handle, status, ready])
}

function useReady(handle: DocHandle): boolean {
  const registry = useRegistry()
  return useSyncExternalStore(
    (notify) => {
      let live = true
      void registry.readiness(handle).promise.then(
        () => live && notify(),
        () => live && notify(),
      )
      return () => {
        live = false
      }
    },
    () => registry.readiness(handle).done,
    () => false,
  )
}
