import { containerKey } from '../containers/kind.js'
import { canonicalJson } from '../doc/digest.js'
import { decodeDelta } from './codec.js'

/**
 * What each dot of a delta says, as one comparable string per dot
 * (`"replica:counter"` -> fingerprint), for audits: two stored deltas that
 * carry the same dot must say the same thing about it, however each was
 * split into runs or merged with other dots. A dot is an insert (container,
 * left/right origin, the element when its content travelled), a map write
 * (container, key, lamport, value), a counter total or a delete (its
 * container). An insert's element follows a NUL: a tombstone travels
 * without it, so compare elements only where both have one. Deltas that came from a state (`isState`) carry their inserts as
 * columns and are left out of the insert part. Throws `WeftDecodeError`.
 */
export function dotFingerprints(bytes: Uint8Array): Map<string, string> {
  const d = decodeDelta(bytes)
  const out = new Map<string, string>()
  for (const c of d.containers) {
    const ck = containerKey(c.id)
    for (const ins of c.inserts) {
      for (let i = 0; i < ins.len; i++) {
        // Inside a run the left origin is the previous element; the right origin is the run's.
        const left = i === 0 ? `${ins.olReplica}:${ins.olCounter}` : `${ins.replica}:${ins.counter + i - 1}`
        const element = ins.content === null ? '' : canonicalJson(typeof ins.content === 'string' ? ins.content[i] : ins.content[i])
        out.set(`${ins.replica}:${ins.counter + i}`, `ins|${ck}|${left}|${ins.orReplica}:${ins.orCounter}\u0000${element}`)
      }
    }
    for (const e of c.entries) out.set(`${e.replica}:${e.counter}`, `map|${ck}|${e.key}|${e.lamport}|${canonicalJson(e.value)}`)
    for (const n of c.counts) out.set(`${n.replica}:${n.counter}`, `cnt|${ck}|${n.total}`)
    for (const del of c.deletes) {
      if (del.replica === 0) continue // unattributed (folded history): no dot of its own
      // What it deleted may travel split or merged with other deletes: only where it was is compared.
      out.set(`${del.replica}:${del.counter}`, `del|${ck}`)
    }
  }
  return out
}
