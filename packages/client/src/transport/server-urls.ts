/**
 * Where a client connects: one URL, several (nodes of one cluster, tried in
 * turn), or a function that returns the URL of each attempt.
 */
export type ServerUrls = string | readonly string[] | (() => string)

/** Chooses the URL of each connection attempt. */
export interface UrlRotation {
  /** The URL to connect to now. */
  current(): string
  /** The attempt or connection on `current()` ended: the next attempt goes to the next URL. */
  moveOn(): void
}

/**
 * A list is tried in turn, from a random start (so a fleet of clients spreads
 * over the nodes), moving on after every attempt that fails or connection that
 * drops: a dead node costs one failed attempt. A function is asked every time.
 *
 * @example
 * ```ts
 * const urls = urlRotation(['wss://a.example/sync', 'wss://b.example/sync'])
 * socket = new WebSocket(urls.current())
 * ```
 */
export function urlRotation(urls: ServerUrls, random: () => number = Math.random): UrlRotation {
  if (typeof urls === 'string') return { current: () => urls, moveOn: () => {} }
  if (typeof urls === 'function') return { current: urls, moveOn: () => {} }
  if (urls.length === 0) throw new RangeError('url: give at least one server URL')
  const list = [...urls]
  let i = Math.floor(random() * list.length)
  return {
    current: () => list[i % list.length] as string,
    moveOn: () => {
      i = (i + 1) % list.length
    },
  }
}
