import type { NearestRegionOptions } from '../regions/nearest-region.js'
import type { MeasureRegion } from './nearest-region-transport.js'

/**
 * Several regions: the client connects to the one that answers fastest,
 * fails over to the next nearest when it is gone, and comes back when it is
 * back ([REGION-CLIENT-1], [REGION-CLIENT-2]).
 */
export interface NearestRegions extends NearestRegionOptions {
  /** One sync URL per region (e.g. `wss://eu.example.com/sync`). */
  readonly regions: readonly string[]
  /** Probe every region this often while connected (default 2 s). */
  readonly probeEveryMs?: number
  readonly probeTimeoutMs?: number
  /** How a region's round trip is measured (default: `GET /healthz` on its HTTP side). */
  readonly measure?: MeasureRegion
  readonly onSwitch?: (from: string, to: string, why: 'failover' | 'return') => void
}

/**
 * Where a client connects: one URL, several (nodes of one cluster, tried in
 * turn), a function that returns the URL of each attempt, or several
 * regions, nearest first ({@link NearestRegions}).
 */
export type ServerUrls = string | readonly string[] | (() => string) | NearestRegions

/** True for the regions form of {@link ServerUrls}. */
export function isNearestRegions(urls: ServerUrls): urls is NearestRegions {
  return typeof urls === 'object' && !Array.isArray(urls) && 'regions' in urls
}

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
export function urlRotation(urls: string | readonly string[] | (() => string), random: () => number = Math.random): UrlRotation {
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
