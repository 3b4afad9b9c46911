/**
 * Replays a concurrent trace (shared/traces/README.md): one replica per agent; before agent a's txn,
 * a's replica receives the missing txns of the union of its parents, in global-index order (a
 * topological order, so no library ever has to buffer an update), then applies the patches locally
 * and records the update. A final full merge gives every replica every txn.
 */
import type { ReplicaOps } from './adapters/types.js'
import type { ConcurrentTrace } from './traces.js'

/** Each txn's version: for each agent, how many of its txns the txn has seen (itself included). */
function versionsOf(trace: ConcurrentTrace): Int32Array[] {
  const { numAgents, txns } = trace
  const versions: Int32Array[] = []
  const ownCount = new Int32Array(numAgents)
  txns.forEach((txn, i) => {
    const v = new Int32Array(numAgents)
    for (const p of txn.parents) {
      const pv = versions[p]
      if (pv === undefined || p >= i) throw new Error(`txn ${i}: parent ${p} is not an earlier txn`)
      for (let a = 0; a < numAgents; a++) v[a] = Math.max(v[a] ?? 0, pv[a] ?? 0)
    }
    const mine = (ownCount[txn.agent] ?? 0) + 1
    if ((v[txn.agent] ?? 0) !== mine - 1) throw new Error(`txn ${i}: agent ${txn.agent}'s txns are not totally ordered`)
    v[txn.agent] = mine
    ownCount[txn.agent] = mine
    versions.push(v)
  })
  return versions
}

const EMPTY = new Uint8Array(0)

/** Precomputed causal structure, built outside the timed section. */
export interface ReplayPlan {
  readonly trace: ConcurrentTrace
  readonly versions: Int32Array[]
  /** Global indices of each agent's txns, in order. */
  readonly byAgent: number[][]
}

export function planReplay(trace: ConcurrentTrace): ReplayPlan {
  const byAgent: number[][] = Array.from({ length: trace.numAgents }, () => [])
  trace.txns.forEach((t, i) => {
    const list = byAgent[t.agent]
    if (list === undefined) throw new Error(`txn ${i}: agent ${t.agent} out of range`)
    list.push(i)
  })
  return { trace, versions: versionsOf(trace), byAgent }
}

/** Runs the replay and the final merge (the timed part). */
export function replay<R>(ops: ReplicaOps<R>, plan: ReplayPlan): R[] {
  const { trace, versions, byAgent } = plan
  const n = trace.numAgents
  const replicas = Array.from({ length: n }, (_, a) => ops.create(a))
  const have = Array.from({ length: n }, () => new Int32Array(n))
  const updates: Uint8Array[] = new Array<Uint8Array>(trace.txns.length)
  const missing: number[] = []

  const catchUp = (a: number, target: ArrayLike<number>): void => {
    const got = have[a]!
    missing.length = 0
    for (let b = 0; b < n; b++) {
      const list = byAgent[b]!
      for (let k = got[b]!; k < (target[b] ?? 0); k++) missing.push(list[k]!)
      got[b] = Math.max(got[b]!, target[b] ?? 0)
    }
    if (missing.length > 1) missing.sort((x, y) => x - y)
    const r = replicas[a]!
    for (const i of missing) {
      const u = updates[i]!
      if (u.byteLength > 0) ops.apply(r, u)
    }
  }

  const union = new Int32Array(n)
  trace.txns.forEach((txn, i) => {
    union.fill(0)
    for (const p of txn.parents) {
      const pv = versions[p]!
      for (let b = 0; b < n; b++) union[b] = Math.max(union[b]!, pv[b]!)
    }
    catchUp(txn.agent, union)
    // A txn without patches (the trace's last may have none) changes nothing: no update to send.
    updates[i] = txn.patches.length === 0 ? EMPTY : ops.edit(replicas[txn.agent]!, txn.patches)
    have[txn.agent]![txn.agent] = versions[i]![txn.agent]!
  })

  const all = Int32Array.from(byAgent, (l) => l.length)
  for (let a = 0; a < n; a++) catchUp(a, all)
  return replicas
}
