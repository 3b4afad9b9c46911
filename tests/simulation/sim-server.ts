import { SyncServer, createDocModel } from '@weft/crdt-core'
import type { ServerEffect } from '@weft/crdt-core'
import type { Prng } from './prng.js'

/** A pending store operation of the simulated server; lost on a crash. */
export type StoreOp = { readonly kind: 'persist'; readonly id: number; readonly doc: string; readonly bytes: Uint8Array } | { readonly kind: 'load'; readonly doc: string }

/** The simulated server: a state machine over a durable log that survives crashes. */
export class SimServer {
  /** The durable log: per doc, deltas in seq order (seq = index + 1). */
  readonly log = new Map<string, Uint8Array[]>()
  machine: SyncServer<string> | undefined
  ops: StoreOp[] = []
  crashedUntil = 0

  constructor(
    private readonly rng: Prng,
    private readonly onEffects: (effects: ServerEffect[]) => void,
  ) {}

  start(): void {
    this.machine = new SyncServer({
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
   * docs progress independently, each in issue order ([STORE-2]).
   */
  completeOp(index: number): void {
    const doc = this.ops[index]?.doc
    const first = this.ops.findIndex((o) => o.doc === doc)
    const op = first < 0 ? undefined : this.ops.splice(first, 1)[0]
    const m = this.machine
    if (!op || !m) return
    if (op.kind === 'persist') {
      const log = this.log.get(op.doc) ?? []
      log.push(op.bytes)
      this.log.set(op.doc, log)
      this.onEffects(m.persisted(op.id, log.length))
    } else {
      const log = this.log.get(op.doc) ?? []
      this.onEffects(m.loaded(op.doc, { deltas: log.map((bytes, i) => ({ seq: i + 1, bytes })) }))
    }
  }
}
