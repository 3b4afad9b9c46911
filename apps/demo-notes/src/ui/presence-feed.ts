import type { DocHandle } from '@weft/client'
import type { Peer } from '@weft/react'
import { useCallback, useRef, useSyncExternalStore } from 'react'
import type { RemoteCaret } from '../editor/rich-carets'
import type { PresenceState } from '../model/identity'
import { uniquePeople } from './people'

/** Others on the index doc, one per tab (see people.ts). */
function othersOf(handle: DocHandle, selfId: string): PresenceState[] {
  const peers = [...handle.presence.others].map(([key, state]) => ({ key, state }) as Peer<PresenceState>)
  return uniquePeople(peers, selfId)
}

const samePerson = (a: PresenceState, b: PresenceState): boolean => a.id === b.id && a.name === b.name && a.color === b.color && a.noteId === b.noteId

/**
 * Who else is here and on which note, for the lists and avatars: a new
 * array only when someone comes, goes, or opens another note, never when
 * only a caret moves (every key someone types). Carets reach the editor
 * through `caretFeed`, without React: a render while the editor has the
 * focus costs a walk of its whole DOM (see use-open-doc.ts).
 */
export function usePeople(handle: DocHandle, selfId: string): readonly PresenceState[] {
  const last = useRef<PresenceState[]>([])
  const subscribe = useCallback((notify: () => void) => handle.on('presence', notify), [handle])
  const snapshot = (): readonly PresenceState[] => {
    const next = othersOf(handle, selfId)
    const prev = last.current
    if (prev.length === next.length && prev.every((p, i) => samePerson(p, next[i]!))) return prev
    last.current = next
    return next
  }
  return useSyncExternalStore(subscribe, snapshot, () => last.current)
}

/** Others' carets on one note, read when they change (presence events). */
export interface CaretFeed {
  current(): RemoteCaret[]
  /** Calls `fn` when presence changes; returns the unsubscribe. */
  subscribe(fn: () => void): () => void
}

export function caretFeed(handle: DocHandle, selfId: string, noteId: string): CaretFeed {
  return {
    current: () =>
      othersOf(handle, selfId).flatMap((p): RemoteCaret[] =>
        p.noteId !== noteId || p.caret === null ? [] : [{ id: p.id, name: p.name, color: p.color, cursor: p.caret }],
      ),
    subscribe: (fn) => handle.on('presence', fn),
  }
}
