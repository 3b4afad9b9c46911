import type { PresenceKey } from '@weft/client'
import type { JsonValue } from '@weft/crdt-core'
import { useCallback, useMemo, useRef, useState, useSyncExternalStore } from 'react'
import { toHandle, type HandleLike } from './handle-like.js'

/** Another participant's presence. */
export interface Peer<T> {
  readonly key: PresenceKey
  readonly state: T
}

/** What {@link usePresence} returns. */
export interface UsePresenceResult<T> {
  /** Our own state (`null` before the first update). */
  readonly self: T | null
  /** Everyone else on this doc (other tabs and other clients); a new array only when it changes. */
  readonly others: readonly Peer<T>[]
  /** Publish our state (throttled by the client); `null` says we left. */
  update(state: T | null): void
}

/**
 * Ephemeral per-doc state of each participant: cursors, names, selections.
 * States are not validated: treat others' states as untrusted input.
 *
 * @example
 * const { others, update } = usePresence<{ name: string; caret: number }>(note)
 * useEffect(() => update({ name, caret }), [name, caret])
 */
export function usePresence<T extends JsonValue>(source: HandleLike): UsePresenceResult<T> {
  const handle = toHandle(source)
  const cache = useRef<{ map: ReadonlyMap<PresenceKey, unknown>; list: readonly Peer<T>[] } | null>(null)
  const version = useRef(0)
  const seen = useRef(-1)

  const subscribe = useCallback(
    (notify: () => void) => {
      version.current++ // others may have changed before we subscribed: re-read once
      return handle.on('presence', () => {
        version.current++
        notify()
      })
    },
    [handle],
  )
  const getSnapshot = (): readonly Peer<T>[] => {
    const map = handle.presence.others
    // The client mutates one map in place, so identity alone cannot tell a change: count events too.
    if (cache.current && cache.current.map === map && seen.current === version.current) return cache.current.list
    seen.current = version.current
    const fresh = [...map].map(([key, state]) => ({ key, state: state as T }))
    const prev = cache.current?.list
    const same = prev !== undefined && prev.length === fresh.length && prev.every((p, i) => p.key === fresh[i]?.key && Object.is(p.state, fresh[i]?.state))
    const list = same ? prev : fresh
    cache.current = { map, list }
    return list
  }
  const others = useSyncExternalStore(subscribe, getSnapshot, () => EMPTY as readonly Peer<T>[])

  const [self, setSelf] = useState<T | null>(() => (handle.presence.state ?? null) as T | null)
  const update = useCallback(
    (state: T | null) => {
      handle.presence.set(state)
      setSelf(state)
    },
    [handle],
  )
  return useMemo(() => ({ self, others, update }), [self, others, update])
}

const EMPTY: readonly never[] = []
