import { rendezvousOwner } from '../cluster/rendezvous.js'

/**
 * Where each doc lives: an explicit placement when the doc has one (set by a
 * move), else the rendezvous owner among the hash shards. Versioned: every
 * change (a move, a new hash shard) bumps `version`, so a router can tell an
 * old map from a newer one.
 */
export interface ShardMap {
  readonly version: number
  /** Shards new docs are spread over by rendezvous hashing of the doc id. */
  readonly hashShards: readonly string[]
  /** doc -> shard, for docs placed explicitly (moved docs). */
  readonly placements: ReadonlyMap<string, string>
}

/**
 * The shard of `doc` under `map`.
 *
 * @example
 * ```ts
 * shardOf({ version: 1, hashShards: ['a', 'b'], placements: new Map([['note:1', 'c']]) }, 'note:1') // 'c'
 * ```
 */
export function shardOf(map: ShardMap, doc: string): string {
  const placed = map.placements.get(doc)
  if (placed !== undefined) return placed
  const owner = rendezvousOwner(doc, map.hashShards)
  if (owner === undefined) throw new Error(`shard map version ${map.version} has no hash shards: add one with ShardCatalog.initialize`)
  return owner
}
