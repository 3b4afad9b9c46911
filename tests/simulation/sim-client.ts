import { ClientSession, Doc } from '@weft/crdt-core'
import type { ClientEffect, JsonValue, OutboxEntry } from '@weft/crdt-core'
import type { Conn } from './network.js'

/** What a simulated client keeps on its "disk" per doc: it survives crashes. */
export interface Disk {
  /** Every persisted delta (local and remote) in persist order. */
  log: Uint8Array[]
  outbox: OutboxEntry[]
  lastSeq: number
  ackedSeq: number
}

/** A write waiting in the (ordered) storage queue; lost on a crash. */
export type DiskWrite =
  | { readonly kind: 'local'; readonly doc: string; readonly seq: number; readonly bytes: Uint8Array }
  | { readonly kind: 'remote'; readonly doc: string; readonly bytes: Uint8Array }
  | { readonly kind: 'acked'; readonly doc: string; readonly seq: number }

/** One simulated device with several docs: a live incarnation (session + docs) over a durable disk. */
export class SimClient {
  readonly disks = new Map<string, Disk>()
  readonly presence = new Map<string, JsonValue | null>()
  session: ClientSession | undefined
  docs = new Map<string, Doc>()
  conn: Conn | undefined
  writes: DiskWrite[] = []
  /** Seq allocated by the last local transaction. */
  lastSeq = 0
  partitionedUntil = 0
  crashedUntil = 0
  /** Bumped when the disk is wiped: seqs restart, so old seqs must not be confused with new ones. */
  diskEpoch = 0

  constructor(
    readonly index: number,
    readonly docIds: readonly string[],
    private readonly onEffects: (c: SimClient, effects: ClientEffect[]) => void,
  ) {
    for (const id of docIds) this.disks.set(id, { log: [], outbox: [], lastSeq: 0, ackedSeq: 0 })
  }

  disk(doc: string): Disk {
    return this.disks.get(doc)!
  }

  /** (Re)starts from the disk with new replica ids, as a reloaded tab would. */
  start(replicaId: () => number, now: number): void {
    const session = new ClientSession({ clientName: `sim-${this.index}` })
    this.session = session
    this.writes = []
    this.docs = new Map()
    session.tick(now)
    for (const id of this.docIds) {
      const disk = this.disk(id)
      const doc = new Doc({ replicaId: replicaId() })
      for (const bytes of disk.log) doc.applyDelta(bytes)
      this.docs.set(id, doc)
      doc.on('delta', (bytes) => {
        const effects = session.localDelta(id, bytes)
        for (const e of effects) if (e.type === 'persist-local') this.lastSeq = e.seq
        this.onEffects(this, effects)
      })
      this.onEffects(this, session.open(id, doc, { lastSeq: disk.lastSeq, ackedSeq: disk.ackedSeq, outbox: [...disk.outbox] }))
      const p = this.presence.get(id)
      if (p !== undefined && p !== null) this.onEffects(this, session.setPresence(id, p))
    }
  }

  /** Loses memory and queued writes; the disk stays. */
  crash(): void {
    this.session = undefined
    this.docs = new Map()
    this.writes = []
  }

  /** The device is lost: memory and disk. Its unacked writes may be lost; acked ones must not be. */
  wipe(): void {
    this.crash()
    this.diskEpoch++
    for (const id of this.docIds) this.disks.set(id, { log: [], outbox: [], lastSeq: 0, ackedSeq: 0 })
    this.presence.clear()
  }

  /** Completes the oldest queued storage write. */
  completeWrite(): void {
    const w = this.writes.shift()
    if (!w || !this.session) return
    const d = this.disk(w.doc)
    if (w.kind === 'local') {
      d.log.push(w.bytes)
      d.outbox.push({ seq: w.seq, bytes: w.bytes })
      d.lastSeq = w.seq
      this.onEffects(this, this.session.persisted(w.doc, w.seq))
    } else if (w.kind === 'remote') {
      d.log.push(w.bytes)
    } else {
      d.ackedSeq = Math.max(d.ackedSeq, w.seq)
      d.outbox = d.outbox.filter((e) => e.seq > w.seq)
    }
  }
}
