import type { Doc, DocSyncStatus, JsonValue, WeftSyncError } from '@weft/crdt-core'
import type { DocEffectSink, SyncConnection } from '../connection/sync-connection.js'
import type { LocalReplica } from '../persistence/local-replica.js'
import type { OutboxEntry } from '../storage/types.js'
import { OutboxMap } from './outbox-map.js'
import type { ConnectionStatus } from './status.js'

export interface ServerLinkOptions {
  id: string
  doc: Doc
  connection: SyncConnection
  local: LocalReplica
  /** Send a delta that came from the server to the other tabs. */
  broadcast(bytes: Uint8Array): void
  presence(peerId: number, state: JsonValue | null): void
  error(error: WeftSyncError): void
  divergence(info: { localHash: string; remoteHash: string }): void
  /** Something status depends on changed. */
  changed(): void
}

/**
 * One doc's side of the client's connection: feeds local deltas to the
 * protocol session, performs the session's per-doc effects (persist, ack,
 * status, presence) against local storage, and tracks how far edits got.
 */
export class ServerLink {
  private attached = false
  private beforeAttach: Uint8Array[] = []
  private lastSeq = 0
  private syncStatus: DocSyncStatus = 'offline'
  private readonly outbox = new OutboxMap()
  private waiters: { target: number; resolve: () => void; reject: (e: Error) => void }[] = []
  /** Set when the server refused this doc's writes; cleared when an ack shows it takes them again. */
  private refused: WeftSyncError | undefined

  constructor(private readonly o: ServerLinkOptions) {}

  /** Start syncing, with the outbox kept in storage by earlier runs (and other tabs). */
  attach(stored: readonly OutboxEntry[], presence: JsonValue | null): void {
    const c = this.o.connection
    // The session numbers local deltas per session; the stored outbox is renumbered 1..n for it.
    const restored = stored.map((e, i) => ({ seq: i + 1, bytes: e.bytes }))
    stored.forEach((e, i) => {
      this.outbox.add(i + 1)
      this.outbox.written(i + 1, e.clientSeq)
    })
    this.lastSeq = restored.length
    c.attach(this.o.id, this.o.doc, { lastSeq: restored.length, ackedSeq: 0, outbox: restored }, this.sink)
    this.attached = true
    const early = this.beforeAttach
    this.beforeAttach = []
    for (const b of early) c.localDelta(this.o.id, b)
    if (presence !== null) c.setPresence(this.o.id, presence)
  }

  /**
   * Storage came back after a failed load and its content is now in the doc,
   * possibly with edits of earlier runs the server lacks (a local-only run
   * keeps no outbox): resubscribe, so the version-vector exchange uploads them.
   */
  storedContentLoaded(): void {
    this.o.connection.resync('stored doc loaded late')
  }

  detach(): void {
    if (this.attached) this.o.connection.detach(this.o.id)
    this.attached = false
  }

  localDelta(bytes: Uint8Array): void {
    if (this.attached) this.o.connection.localDelta(this.o.id, bytes)
    else this.beforeAttach.push(bytes) // made before the stored doc was loaded
  }

  setPresence(state: JsonValue | null): void {
    if (this.attached) this.o.connection.setPresence(this.o.id, state)
  }

  /** Local deltas the server has not acked. */
  get unsaved(): number {
    return (this.attached ? this.o.connection.unacked(this.o.id) : 0) + this.beforeAttach.length
  }

  /** Local deltas not yet handed to storage. */
  get waitingForLoad(): number {
    return this.beforeAttach.length
  }

  get connectionStatus(): ConnectionStatus {
    const c = this.o.connection
    if (c.linkState === 'offline') return 'offline'
    if (c.linkState === 'connecting' || !c.ready || !this.attached) return 'connecting'
    return this.syncStatus
  }

  /** Resolves when the server acked every local delta made so far. */
  whenSaved(): Promise<void> {
    const target = this.lastSeq
    if (this.o.connection.positions(this.o.id).server >= target) return Promise.resolve()
    if (this.refused) return Promise.reject(this.refused)
    return new Promise((resolve, reject) => this.waiters.push({ target, resolve, reject }))
  }

  /**
   * Storage is failing: let the session send what waits to be written, so the
   * server keeps getting edits; the writes stay queued and are retried.
   */
  storageFailing(): void {
    if (this.attached && this.outbox.unwritten > 0) this.o.connection.persisted(this.o.id, this.lastSeq)
  }

  private trim(serverSeq?: number): void {
    const upTo = this.outbox.takeTrimPoint()
    if (upTo !== undefined) this.o.local.ackOutbox(upTo, serverSeq).catch(() => undefined)
  }

  private readonly sink: DocEffectSink = {
    persistLocal: (seq, bytes) => {
      const { local, connection, id } = this.o
      this.lastSeq = Math.max(this.lastSeq, seq)
      this.outbox.add(seq)
      if (local.error) connection.persisted(id, seq) // degraded: see storageFailing
      local.saveLocal(bytes).then(
        (clientSeq) => {
          this.outbox.written(seq, clientSeq)
          connection.persisted(id, seq)
          this.trim()
          this.o.changed()
        },
        () => undefined, // closed
      )
    },
    persistRemote: (bytes) => {
      this.o.broadcast(bytes)
      this.o.local.saveRemote(bytes)
    },
    acked: (seq, serverSeq) => {
      this.refused = undefined
      this.outbox.acked(seq)
      this.trim(serverSeq)
      const reached = this.o.connection.positions(this.o.id).server
      const due = this.waiters.filter((w) => w.target <= reached)
      this.waiters = this.waiters.filter((w) => w.target > reached)
      for (const w of due) w.resolve()
      this.o.changed()
    },
    status: (status) => {
      this.syncStatus = status
      this.o.changed()
    },
    presence: (peerId, state) => this.o.presence(peerId, state),
    divergence: ({ localHash, remoteHash }) => this.o.divergence({ localHash, remoteHash }),
    error: (error) => {
      // The server will not take this doc's edits: callers waiting for it must hear so, not hang.
      if (error.code === 'forbidden' || error.code === 'read-only') {
        this.refused = error
        for (const w of this.waiters.splice(0)) w.reject(error)
      }
      this.o.error(error)
    },
  }
}
