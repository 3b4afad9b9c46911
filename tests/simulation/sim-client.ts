import { ClientSession, Doc } from '@weft/crdt-core'
import type { ClientEffect, JsonValue, OutboxEntry } from '@weft/crdt-core'
import type { Conn } from './network.js'

/** What a simulated client keeps on its "disk": it survives crashes. */
export interface Disk {
  /** Every persisted delta (local and remote) in persist order. */
  log: Uint8Array[]
  outbox: OutboxEntry[]
  lastSeq: number
  ackedSeq: number
}

/** A write waiting in the (ordered) storage queue; lost on a crash. */
export type DiskWrite =
  | { readonly kind: 'local'; readonly seq: number; readonly bytes: Uint8Array }
  | { readonly kind: 'remote'; readonly bytes: Uint8Array }
  | { readonly kind: 'acked'; readonly seq: number }

export const DOC_ID = 'sim-doc'

/** One simulated device: a live incarnation (session + doc) over a durable disk. */
export class SimClient {
  readonly disk: Disk = { log: [], outbox: [], lastSeq: 0, ackedSeq: 0 }
  session: ClientSession | undefined
  doc: Doc | undefined
  conn: Conn | undefined
  writes: DiskWrite[] = []
  presence: JsonValue | null = null
  /** Seq allocated by the last local transaction. */
  lastSeq = 0
  partitionedUntil = 0
  crashedUntil = 0

  constructor(
    readonly index: number,
    private readonly onEffects: (c: SimClient, effects: ClientEffect[]) => void,
  ) {}

  get up(): boolean {
    return this.session !== undefined
  }

  /** (Re)starts from the disk with a new replica id, as a reloaded tab would. */
  start(replicaId: number, now: number): void {
    const doc = new Doc({ replicaId })
    for (const bytes of this.disk.log) doc.applyDelta(bytes)
    const session = new ClientSession({ clientName: `sim-${this.index}` })
    this.doc = doc
    this.session = session
    this.writes = []
    doc.on('delta', (bytes) => {
      const effects = session.localDelta(DOC_ID, bytes)
      for (const e of effects) if (e.type === 'persist-local') this.lastSeq = e.seq
      this.onEffects(this, effects)
    })
    this.onEffects(
      this,
      session.open(DOC_ID, doc, { lastSeq: this.disk.lastSeq, ackedSeq: this.disk.ackedSeq, outbox: [...this.disk.outbox] }),
    )
    session.tick(now)
    if (this.presence !== null) this.onEffects(this, session.setPresence(DOC_ID, this.presence))
  }

  /** Loses memory and queued writes; the disk stays. */
  crash(): void {
    this.session = undefined
    this.doc = undefined
    this.writes = []
  }

  /** Completes the oldest queued storage write. */
  completeWrite(): void {
    const w = this.writes.shift()
    if (!w || !this.session) return
    const d = this.disk
    if (w.kind === 'local') {
      d.log.push(w.bytes)
      d.outbox.push({ seq: w.seq, bytes: w.bytes })
      d.lastSeq = w.seq
      this.onEffects(this, this.session.persisted(DOC_ID, w.seq))
    } else if (w.kind === 'remote') {
      d.log.push(w.bytes)
    } else {
      d.ackedSeq = Math.max(d.ackedSeq, w.seq)
      d.outbox = d.outbox.filter((e) => e.seq > w.seq)
    }
  }
}
