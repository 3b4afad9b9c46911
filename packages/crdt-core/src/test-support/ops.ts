import type { InsertOp } from '../sequence/sequence.js'

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
