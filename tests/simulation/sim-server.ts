import { SyncServer, createDocModel } from '@weft/crdt-core'
import type { ServerEffect } from '@weft/crdt-core'
import type { Prng } from './prng.js'

/** A pending store operation of a simulated server node; lost on a crash. */
export type StoreOp =
  | { readonly kind: 'persist'; readonly id: number; readonly doc: string; readonly bytes: Uint8Array }
  | { readonly kind: 'load'; readonly doc: string }

/** The durable store shared by every node: per doc, deltas in seq order (seq = index + 1). It survives crashes. */
export type DurableLog = Map<string, Uint8Array[]>

/** One simulated server node: a state machine over the shared durable log. */
export class SimServer {
  machine: SyncServer<string> | undefined
  ops: StoreOp[] = []
  crashedUntil = 0

  constructor(
    readonly index: number,
    readonly log: DurableLog,
    private readonly rng: Prng,
    private readonly onEffects: (node: SimServer, effects: ServerEffect[]) => void,
  ) {}

  start(): void {
    this.machine = new SyncServer<string>({
      docModel: createDocModel({ replicaId: () => this.rng.id53() }),
      authenticate: () => ({ ok: true, principal: 'sim' }),
    })
    this.ops = []
  }

  crash(): void {
    this.machine = undefined
    this.ops = []
  }

  /**
   * Completes the oldest pending store operation of the doc of `ops[index]`:
   * docs progress independently, each in issue order ([STORE-2]). With
   * `fail`, the store reports an error instead and writes nothing.
   */
  completeOp(index: number, fail = false): void {
    const doc = this.ops[index]?.doc
    const first = this.ops.findIndex((o) => o.doc === doc)
    const op = first < 0 ? undefined : this.ops.splice(first, 1)[0]
    const m = this.machine
    if (!op || !m) return
    if (fail && op.kind === 'load') return this.onEffects(this, m.loadFailed(op.doc))
    if (fail && op.kind === 'persist') {
      // [STORE-2] nothing of a doc becomes durable after a failed earlier write: later ones fail too.
      const later = this.ops.filter((o) => o.doc === op.doc && o.kind === 'persist')
      this.ops = this.ops.filter((o) => !later.includes(o))
      this.onEffects(this, m.persistFailed(op.id))
      for (const o of later) if (o.kind === 'persist') this.onEffects(this, m.persistFailed(o.id))
      return
    }
    const log = this.log.get(op.doc) ?? []
    this.log.set(op.doc, log)
    if (op.kind === 'persist') {
      log.push(op.bytes)
      this.onEffects(this, m.persisted(op.id, log.length))
    } else {
      this.onEffects(this, m.loaded(op.doc, { deltas: log.map((bytes, i) => ({ seq: i + 1, bytes })) }))
    }
  }
}
