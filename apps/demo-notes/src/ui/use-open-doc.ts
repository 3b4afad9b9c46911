import type { DocHandle } from '@weft/client'
import type { Doc } from '@weft/crdt-core'
import { useClient } from '@weft/react'
import { useEffect, useMemo, useState } from 'react'

export interface OpenDoc {
  readonly handle: DocHandle
  readonly doc: Doc
  /** True once the doc has loaded from this device's storage. */
  readonly ready: boolean
}

/**
 * A doc by id, and whether it has loaded: `useDoc` without its sync status.
 * `useDoc` re-renders its component whenever the status changes, which is
 * every keystroke in a note (an edit is unsaved, then acked), and every
 * React commit while the note's editor has the focus walks the editor's
 * whole DOM (React saves and restores the selection of the focused
 * contenteditable as character offsets): O(note) per key. The sync badge
 * follows the statuses itself (see sync-badge.tsx).
 */
export function useOpenDoc(id: string): OpenDoc {
  const client = useClient()
  const handle = useMemo(() => client.doc(id), [client, id])
  // The handle whose load has finished (a rejected load is finished too: the doc is usable, empty).
  const [loaded, setLoaded] = useState<DocHandle | null>(null)
  useEffect(() => {
    let live = true
    const done = (): void => {
      if (live) setLoaded(handle)
    }
    void handle.ready.then(done, done)
    return () => {
      live = false
    }
  }, [handle])
  const ready = loaded === handle
  return useMemo(() => ({ handle, doc: handle.doc, ready }), [handle, ready])
}
