import { NO_DEPS, type Deps } from '../delta/types.js'
import type { InsertOp } from '../sequence/sequence.js'
import type { VersionVector } from '../version-vector.js'

/** An origin as [replica, counter]; [0, 0] is none. */
export type Origin = readonly [replica: number, counter: number]

/** An insert of `content`'s items at ids (replica, counter ..), after `ol` and before `or`; a tombstone when `deleted`. */
export function insertOp(replica: number, counter: number, content: string | unknown[], ol: Origin, or: Origin = [0, 0], deleted = false): InsertOp {
  return {
    replica,
    counter,
    len: content.length,
    olReplica: ol[0],
    olCounter: ol[1],
    orReplica: or[0],
    orCounter: or[1],
    deleted,
    content: deleted ? null : content,
  }
}

/** Dependencies from a version vector. */
export function depsFrom(vv: VersionVector): Deps {
  const keys = Object.keys(vv)
  if (keys.length === 0) return NO_DEPS
  return { replicas: keys.map(Number), counters: keys.map((k) => vv[Number(k)]!) }
}
