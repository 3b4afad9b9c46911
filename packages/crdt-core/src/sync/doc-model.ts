import { inspectDelta } from '../delta/inspect.js'
import { Doc } from '../doc/doc.js'
import type { DocOptions } from '../doc/doc.js'
import type { DocModel } from './sync-doc.js'

/** Options of {@link createDocModel}. */
export interface DocModelOptions extends Omit<DocOptions, 'replicaId'> {
  /** Draws the replica id of each doc created or loaded (default: random). Must never repeat. */
  readonly replicaId?: () => number
}

/**
 * The production {@link DocModel}: crdt-core `Doc`s and `inspectDelta`.
 *
 * @example
 * ```ts
 * const server = new SyncServer({ docModel: createDocModel({ maxPendingDeltas: 1000 }) })
 * ```
 */
export function createDocModel(options: DocModelOptions = {}): DocModel<Doc> {
  const { replicaId, ...rest } = options
  const opts = (): DocOptions => (replicaId ? { ...rest, replicaId: replicaId() } : { ...rest })
  // The docs' inflate bound applies to inspecting too.
  const decode = rest.maxInflatedBytes !== undefined ? { maxInflatedBytes: rest.maxInflatedBytes } : undefined
  return {
    create: () => new Doc(opts()),
    load: (state) => Doc.load(state, opts()),
    inspectDelta: (bytes) => inspectDelta(bytes, decode),
  }
}
