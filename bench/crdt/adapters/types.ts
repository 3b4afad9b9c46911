/**
 * The one interface every library adapter implements, so the worker measures them identically.
 */
import type { Patch, SequentialTrace } from '../traces.js'
import type { LibName } from './lib-names.js'
import type { AdapterMeta } from './meta.js'

export { LIBS, isLibName, type LibName } from './lib-names.js'

/** Result of replaying a sequential trace as local edits. */
export interface LocalResult<D> {
  readonly doc: D
  /** One update per trace transaction (Automerge adds one leading update that creates the text object). */
  readonly updates: Uint8Array[]
}

/**
 * One replica in a concurrent replay: local edits produce an update, remote updates are applied.
 * The replay loop lives in `concurrent.ts`, shared by all libraries.
 */
export interface ReplicaOps<R> {
  /** A fresh replica for `agent` (0-based), all replicas starting from the same empty text. */
  create(agent: number): R
  /** Applies the patches as one local transaction and returns the update it produced. */
  edit(replica: R, patches: readonly Patch[]): Uint8Array
  /** Applies an update produced by another replica's `edit`. */
  apply(replica: R, update: Uint8Array): void
  text(replica: R): string
}

export interface CrdtAdapter<D, R = D> extends AdapterMeta {
  readonly name: LibName
  /** The whole trace as local edits, one transaction per trace txn, collecting each txn's update. */
  localApply(trace: SequentialTrace): LocalResult<D>
  /** Applies the updates one by one to a fresh doc. */
  remoteApply(updates: readonly Uint8Array[]): D
  text(doc: D): string
  snapshot(doc: D): Uint8Array
  /** Decodes a snapshot into a fresh doc. */
  load(bytes: Uint8Array): D
  readonly replicas: ReplicaOps<R>
}

/** Any adapter, for code that only passes docs and replicas back to the adapter that made them. */
export type AnyAdapter = CrdtAdapter<unknown, unknown>

/** Applies one trace transaction's patches through `del`/`ins` callbacks (positions in UTF-16 units). */
export function forEachEdit(patches: readonly Patch[], del: (pos: number, n: number) => void, ins: (pos: number, s: string) => void): void {
  for (const [pos, n, s] of patches) {
    if (n > 0) del(pos, n)
    if (s.length > 0) ins(pos, s)
  }
}
