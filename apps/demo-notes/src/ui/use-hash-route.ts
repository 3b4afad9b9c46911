import { useCallback, useSyncExternalStore } from 'react'

const PREFIX = '#/note/'

const subscribe = (fn: () => void): (() => void) => {
  window.addEventListener('hashchange', fn)
  return () => window.removeEventListener('hashchange', fn)
}
const read = (): string | null => (location.hash.startsWith(PREFIX) ? decodeURIComponent(location.hash.slice(PREFIX.length)) : null)

/** The open note lives in the URL (`#/note/<id>`), so a reload or a shared link opens it again. */
export function useHashRoute(): [string | null, (id: string | null) => void] {
  const id = useSyncExternalStore(subscribe, read, () => null)
  const go = useCallback((next: string | null) => {
    location.hash = next === null ? '' : `${PREFIX}${encodeURIComponent(next)}`
  }, [])
  return [id, go]
}
