import type { Doc } from '@weft/crdt-core'
import { useCallback, useRef, useSyncExternalStore } from 'react'
import { toHandle, type HandleLike } from './handle-like.js'

interface Cache<T> {
  doc: Doc
  version: number
  selector: (doc: Doc) => T
  value: T
}

/**
 * A slice of a doc, kept current. The component re-renders only when the
 * selected value changes by `isEqual` (default `Object.is`); between changes
 * the same value is returned, so it is safe as an effect dependency.
 *
 * @example
 * const title = useDocState(note, (d) => d.getMap('meta').get('title') as string | undefined)
 * const ids = useDocState(index, (d) => d.getList('order').toArray(), shallowEqual)
 */
export function useDocState<T>(source: HandleLike, selector: (doc: Doc) => T, isEqual: (a: T, b: T) => boolean = Object.is): T {
  const doc = toHandle(source).doc
  // Bumped by every doc change; the selector runs at most once per version (and per new selector).
  const version = useRef(0)
  const cache = useRef<Cache<T> | null>(null)

  const subscribe = useCallback(
    (notify: () => void) => {
      // The doc may have changed between render and subscription (React subscribes in an
      // effect, then re-reads the snapshot): treat subscribing as a change so that read recomputes.
      version.current++
      return doc.on('change', () => {
        version.current++
        notify()
      })
    },
    [doc],
  )

  const getSnapshot = (): T => {
    const c = cache.current
    if (c && c.doc === doc && c.version === version.current && c.selector === selector) return c.value
    const next = selector(doc)
    const value = c && c.doc === doc && isEqual(c.value, next) ? c.value : next
    cache.current = { doc, version: version.current, selector, value }
    return value
  }

  return useSyncExternalStore(subscribe, getSnapshot, getSnapshot)
}
