import { isTextCursor } from '@weft/crdt-core'
import type { Peer } from '@weft/react'
import type { PresenceState } from '../model/identity'

/** Others' presence, one entry per tab: a tab reaches us both over the tab channel and through the server. */
export function uniquePeople(others: readonly Peer<PresenceState>[], selfId: string): PresenceState[] {
  const byId = new Map<string, PresenceState>()
  for (const { state } of others) {
    if (!isPresence(state) || state.id === selfId) continue
    byId.set(state.id, state)
  }
  return [...byId.values()].sort((a, b) => a.name.localeCompare(b.name))
}

// Presence comes from other clients: check its shape before rendering it.
function isPresence(v: unknown): v is PresenceState {
  if (typeof v !== 'object' || v === null) return false
  const s = v as Record<string, unknown>
  return (
    typeof s.id === 'string' &&
    typeof s.name === 'string' &&
    typeof s.color === 'string' &&
    (s.noteId === null || typeof s.noteId === 'string') &&
    (s.caret === null || isTextCursor(s.caret))
  )
}
