import type { VersionVector } from '@weft/crdt-core'
import { vvCovers } from '@weft/crdt-core'
import type { DocHandle } from '../handle/doc-handle.js'

/** Durability levels beyond `server`, across regions ([LEVEL-1]). */
export type RegionSaveLevel = 'quorum' | 'all-regions'
/** Read freshness across regions ([FRESH-1]). */
export type Freshness = 'session' | 'quorum' | 'all-regions'

/** Where to ask, and for how long. */
export interface RegionCallOptions {
  /** `http://host:port` of the region the client talks to (any of its nodes). */
  readonly regionUrl: string
  /** The client's access token (read access to the doc), when the server checks tokens. */
  readonly token?: string | undefined
  /** Give up after this long (default 10 s): the promise rejects with {@link WeftLevelTimeoutError}. */
  readonly timeoutMs?: number | undefined
}

/** A level or freshness was not reached before the caller's timeout; the write itself stands ([LEVEL-2]). */
export class WeftLevelTimeoutError extends Error {
  override readonly name = 'WeftLevelTimeoutError'
  constructor(
    readonly level: string,
    /** The regions that had it when the caller gave up. */
    readonly regions: readonly string[],
  ) {
    super(`level ${level} not reached in time (held by: ${regions.join(', ') || 'none'}); the write stays and keeps travelling`)
  }
}

/**
 * The region asked refuses the doc: it is pinned to other regions (data
 * residency, [RESIDENCY-3]). `regions` says where to connect instead. Over
 * the sync connection the same refusal arrives as `WeftSyncError('forbidden')`
 * carrying this message.
 */
export class WeftResidencyError extends Error {
  override readonly name = 'WeftResidencyError'
  constructor(
    readonly doc: string,
    /** The region that refused. */
    readonly region: string,
    /** The regions the doc is pinned to. */
    readonly regions: readonly string[],
    message: string,
  ) {
    super(message)
  }
}

/**
 * Resolves once every edit this handle has seen is durable in a majority of
 * regions (`quorum`) or in all of them (`all-regions`). Causal: the level is
 * checked on the handle's version vector, so it covers what those edits
 * depend on too.
 *
 * @example
 * ```ts
 * note.doc.getText('body').insert(0, 'hi')
 * await whenSavedIn(note, 'quorum', { regionUrl: 'http://eu.example.com' })
 * ```
 */
export async function whenSavedIn(handle: DocHandle, level: RegionSaveLevel, o: RegionCallOptions): Promise<readonly string[]> {
  await handle.whenSaved('server')
  const vv = handle.doc.versionVector()
  const a = await call<{ reached: boolean; regions: string[] }>(o, 'level', { doc: handle.id, level, vv: JSON.stringify(vv) })
  if (!a.reached) throw new WeftLevelTimeoutError(level, a.regions)
  return a.regions
}

/**
 * Resolves once this handle's replica holds what `level` asks: `session`
 * everything in `seen` (read-your-writes and monotonic reads after moving to
 * another region: pass the version vector the client carried over), `quorum`
 * / `all-regions` everything a majority / every region had when called. The
 * region pulls what it lacks from its peers first (read repair).
 *
 * @example
 * ```ts
 * const seen = oldHandle.doc.versionVector() // before switching region
 * await whenFresh(newHandle, 'session', { regionUrl: 'http://us.example.com', seen })
 * ```
 */
export async function whenFresh(handle: DocHandle, level: Freshness, o: RegionCallOptions & { readonly seen?: VersionVector }): Promise<void> {
  await handle.ready
  const timeoutMs = o.timeoutMs ?? 10_000
  const deadline = Date.now() + timeoutMs
  const seen = o.seen ?? handle.doc.versionVector()
  const a = await call<{ fresh: boolean; vv: string; region: string }>(o, 'fresh', { doc: handle.id, level, vv: JSON.stringify(seen) })
  if (!a.fresh) throw new WeftLevelTimeoutError(level, [])
  const target = JSON.parse(a.vv) as VersionVector
  // The region has it durably; now wait for it to reach this replica over the sync connection.
  while (!vvCovers(handle.doc.versionVector(), target) || !vvCovers(handle.doc.versionVector(), seen)) {
    if (Date.now() > deadline) throw new WeftLevelTimeoutError(level, [a.region])
    await new Promise((r) => setTimeout(r, 10))
  }
}

async function call<T>(o: RegionCallOptions, route: string, q: Record<string, string>): Promise<T> {
  const timeoutMs = o.timeoutMs ?? 10_000
  const url = `${o.regionUrl.replace(/\/+$/, '')}/regions/${route}?${new URLSearchParams({ ...q, timeoutMs: String(timeoutMs) })}`
  const res = await fetch(url, {
    ...(o.token !== undefined && { headers: { authorization: `Bearer ${o.token}` } }),
    signal: AbortSignal.timeout(timeoutMs + 5_000),
  })
  if (res.status === 421) {
    const r = (await res.json()) as { doc: string; region: string; regions: string[]; message: string }
    throw new WeftResidencyError(r.doc, r.region, r.regions, r.message)
  }
  if (!res.ok) throw new Error(`region ${o.regionUrl} answered ${res.status} to /regions/${route}: ${(await res.text()).slice(0, 200)}`)
  return (await res.json()) as T
}
