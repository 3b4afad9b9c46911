import { useEffect, useMemo } from 'react'
import { useRegistry } from './provider.js'
import { useSyncStatus } from './use-sync-status.js'
import type { UseDocResult } from './use-doc.js'

/**
 * {@link useDoc} for Suspense: suspends until the doc has loaded from local
 * storage, so `ready` is always true. Wrap the component in `<Suspense>`.
 *
 * @example
 * function Note({ id }: { id: string }) {
 *   const note = useDocSuspense(id)
 *   const [body] = useText(note, 'body')
 *   return <p>{body}</p>
 * }
 */
export function useDocSuspense(id: string): UseDocResult {
  const registry = useRegistry()
  const handle = useMemo(() => registry.client.doc(id), [registry, id])
  const readiness = registry.readiness(handle)
  // React retries the render when the thrown promise settles.
  if (!readiness.done) throw readiness.promise
  useEffect(() => registry.retain(handle), [registry, handle])
  const status = useSyncStatus(handle)
  return useMemo(() => ({ handle, doc: handle.doc, status, ready: true }), [handle, status])
}
