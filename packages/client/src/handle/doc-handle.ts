import type { Doc, JsonValue, WeftSyncError } from '@weft/crdt-core'
import type { SyncConnection } from '../connection/sync-connection.js'
import { Emitter } from '../emitter.js'
import type { WeftStorageError } from '../errors.js'
import type { CompactionPolicy } from '../persistence/compaction.js'
import { LocalReplica } from '../persistence/local-replica.js'
import { Presence, type PresenceKey } from '../presence/presence.js'
import type { Storage, OutboxEntry } from '../storage/types.js'
import type { TabChannel } from '../tabs/tab-channel.js'
import { TabSync } from '../tabs/tab-sync.js'
import type { Timers } from '../timers.js'
import { OutboxMap } from './outbox-map.js'
import { sameStatus, type ConnectionStatus, type DocStatus, type SaveLevel } from './status.js'

/** Tuning of presence; see {@link Presence}. */
export interface PresenceTuning {
  throttleMs?: number
  heartbeatMs?: number
  timeoutMs?: number
}

export interface DocHandleOptions {
  id: string
  doc: Doc
  storage: Storage
  timers: Timers
  connection?: SyncConnection
  tabChannel?: TabChannel
  compaction?: CompactionPolicy
  presence?: PresenceTuning
  onClosed(): void
}

/** Events of a {@link DocHandle}. */
export type DocHandleEvents = {
  status: [status: DocStatus]
  error: [error: WeftStorageError | WeftSyncError | Error]
  presence: [others: ReadonlyMap<PresenceKey, unknown>]
  divergence: [info: { localHash: string; remoteHash: string }]
}

/** Presence of a doc: ours (throttled) and everyone else's. */
export interface DocPresence {
  set(state: JsonValue | null): void
  readonly state: unknown
  readonly others: ReadonlyMap<PresenceKey, unknown>
}

/**
 * One open doc: the crdt-core `Doc`, loaded from local storage, kept in sync
 * with other tabs and (through the client's connection) the server.
 */
export class DocHandle {
  readonly id: string
  readonly doc: Doc
  /** Resolves once the doc is loaded from local storage (no network needed), or storage failed and the doc runs in memory. */
  readonly ready: Promise<void>
  readonly presence: DocPresence

  private readonly opts: DocHandleOptions
  private readonly local: LocalReplica
  private readonly tabs: TabSync | undefined
  private readonly pres: Presence
  private readonly events = new Emitter<DocHandleEvents>()
  private readonly outbox = new OutboxMap()
  private readonly offDelta: () => void
  private attached = false
  private beforeAttach: Uint8Array[] = []
  private lastSeq = 0
  private syncStatus: ConnectionStatus = 'offline'
  private lastStatus: DocStatus | undefined
  private serverWaiters: { target: number; resolve: () => void; reject: (e: Error) => void }[] = []
  /** Set when the server refused this doc's writes; cleared when an ack shows it takes them again. */
  private refused: WeftSyncError | undefined
  private localOnlyAck = 0
  private localOnlyAckQueued = false
  private closed = false

  constructor(opts: DocHandleOptions) {
    this.opts = opts
    this.id = opts.id
    this.doc = opts.doc
    this.local = new LocalReplica({
      storage: opts.storage,
      docId: opts.id,
      doc: opts.doc,
      timers: opts.timers,
      ...(opts.compaction && { compaction: opts.compaction }),
      onError: (e) => {
        this.releaseUnwritten()
        this.events.emit('error', e)
        this.refresh()
      },
      onRecovered: () => this.refresh(),
      onChange: () => this.refresh(),
    })
    this.tabs =
      opts.tabChannel &&
      new TabSync({
        channel: opts.tabChannel,
        doc: opts.doc,
        onPresence: (tab, state) => this.pres.fromTab(tab, state),
        onError: (e) => this.events.emit('error', e instanceof Error ? e : new Error(String(e))),
      })
    this.pres = new Presence({
      timers: opts.timers,
      ...opts.presence,
      publishToTabs: (s) => this.tabs?.presence(s),
      publishToServer: (s) => this.attached && this.opts.connection?.setPresence(this.id, s as JsonValue | null),
      onChange: () => this.events.emit('presence', this.pres.others),
    })
    const pres = this.pres
    this.presence = {
      set: (state) => pres.set(state),
      get state() {
        return pres.state
      },
      get others() {
        return pres.others
      },
    }
    this.offDelta = opts.doc.on('delta', (bytes) => this.onLocalDelta(bytes))
    this.ready = this.local.load((late) => this.lateLoaded(late)).then((outbox) => this.start(outbox ?? []))
  }

  /** Current status; also pushed to `on('status')` listeners whenever it changes. */
  get status(): DocStatus {
    const c = this.opts.connection
    const unsaved = this.attached && c ? c.unacked(this.id) + this.beforeAttach.length : c ? this.beforeAttach.length : 0
    const error = this.local.error
    return {
      connection: this.connectionStatus(),
      unsaved,
      savedLocally: this.local.pendingWrites === 0 && this.beforeAttach.length === 0,
      savedOnServer: c !== undefined && unsaved === 0,
      ...(error && { storageError: error }),
    }
  }

  on<K extends keyof DocHandleEvents>(event: K, fn: (...args: DocHandleEvents[K]) => void): () => void {
    return this.events.on(event, fn)
  }

  /**
   * Resolves once every edit made so far is stored at `level`: `local` (this
   * device's storage) or `server` (acked by the server after it is durable there).
   * `server` rejects without a server, or when the server refuses writes to the
   * doc (`WeftSyncError` with code `forbidden` or `read-only`).
   */
  async whenSaved(level: SaveLevel): Promise<void> {
    await this.ready
    if (level === 'local') return this.local.whenWritten()
    if (level !== 'server') throw new Error(`unknown durability level ${String(level)}`)
    const c = this.opts.connection
    if (!c) throw new Error('whenSaved("server") needs a server: createClient({ url })')
    const target = this.lastSeq
    if (c.positions(this.id).server >= target) return
    if (this.refused) throw this.refused
    return new Promise((resolve, reject) => this.serverWaiters.push({ target, resolve, reject }))
  }

  /** Stop syncing this doc: flush local writes, leave presence, release the channel. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.pres.close()
    this.offDelta()
    await this.ready
    // While storage is failing, waiting could take forever; say what is lost instead.
    if (this.local.pendingWrites > 0 && this.local.error)
      this.events.emit('error', new Error(`closed with ${this.local.pendingWrites} unsaved writes: ${this.local.error.message}`))
    else await this.local.whenWritten()
    this.opts.connection?.detach(this.id)
    this.tabs?.close()
    this.local.close()
    this.events.clear()
    this.opts.onClosed()
  }

  /** Recompute status and tell listeners if it changed (called on every relevant event). */
  refresh(): void {
    if (this.closed) return
    const s = this.status
    if (this.lastStatus && sameStatus(this.lastStatus, s)) return
    this.lastStatus = s
    this.events.emit('status', s)
  }

  private connectionStatus(): ConnectionStatus {
    const c = this.opts.connection
    if (!c || c.linkState === 'offline') return 'offline'
    if (c.linkState === 'connecting' || !c.ready || !this.attached) return 'connecting'
    return this.syncStatus
  }

  private onLocalDelta(bytes: Uint8Array): void {
    if (this.closed) return
    this.tabs?.broadcast(bytes)
    const c = this.opts.connection
    if (!c) this.saveLocalOnly(bytes)
    else if (this.attached) c.localDelta(this.id, bytes)
    else this.beforeAttach.push(bytes)
    this.refresh()
  }

  /** Without a server nothing will ack the outbox: trim it as soon as a delta is written. */
  private saveLocalOnly(bytes: Uint8Array): void {
    this.local.saveLocal(bytes).then(
      (clientSeq) => {
        this.localOnlyAck = Math.max(this.localOnlyAck, clientSeq)
        this.trimLocalOnly()
      },
      () => undefined, // closed
    )
  }

  private trimLocalOnly(): void {
    if (this.localOnlyAckQueued) return
    this.localOnlyAckQueued = true
    const upTo = this.localOnlyAck
    // One ack at a time; acks that arrive meanwhile are folded into the next one.
    void this.local
      .ackOutbox(upTo)
      .then(
        () => {
          this.localOnlyAckQueued = false
          if (this.localOnlyAck > upTo) this.trimLocalOnly()
        },
        () => undefined,
      )
  }

  private start(outbox: readonly OutboxEntry[]): void {
    if (this.closed) return
    this.tabs?.hello()
    const c = this.opts.connection
    if (c) {
      // The session numbers local deltas per session; the stored outbox is renumbered 1..n for it.
      const restored = outbox.map((e, i) => ({ seq: i + 1, bytes: e.bytes }))
      outbox.forEach((e, i) => {
        this.outbox.add(i + 1)
        this.outbox.written(i + 1, e.clientSeq)
      })
      this.lastSeq = restored.length
      c.attach(this.id, this.doc, { lastSeq: restored.length, ackedSeq: 0, outbox: restored }, this.sink)
      this.attached = true
      const early = this.beforeAttach
      this.beforeAttach = []
      for (const b of early) c.localDelta(this.id, b)
      if (this.pres.state !== null) c.setPresence(this.id, this.pres.state as JsonValue)
    }
    this.refresh()
  }

  /** Storage failed at first and came back: the stored doc is now joined in; peers may lack it. */
  private lateLoaded(outbox: readonly OutboxEntry[]): void {
    if (this.closed) return
    if (outbox.length > 0) this.tabs?.hello()
    this.refresh()
  }

  /**
   * Storage is failing: let the session send what waits to be written, so the
   * server keeps getting edits; the writes stay queued and are retried.
   */
  private releaseUnwritten(): void {
    if (this.attached && this.outbox.unwritten > 0) this.opts.connection?.persisted(this.id, this.lastSeq)
  }

  private trimOutbox(serverSeq?: number): void {
    const upTo = this.outbox.takeTrimPoint()
    if (upTo !== undefined) this.local.ackOutbox(upTo, serverSeq).catch(() => undefined)
  }

  private readonly sink = {
    persistLocal: (seq: number, bytes: Uint8Array): void => {
      this.lastSeq = Math.max(this.lastSeq, seq)
      this.outbox.add(seq)
      if (this.local.error) this.opts.connection?.persisted(this.id, seq) // degraded: see releaseUnwritten
      this.local.saveLocal(bytes).then(
        (clientSeq) => {
          this.outbox.written(seq, clientSeq)
          this.opts.connection?.persisted(this.id, seq)
          this.trimOutbox()
          this.refresh()
        },
        () => undefined, // closed
      )
    },
    persistRemote: (bytes: Uint8Array): void => {
      this.tabs?.broadcast(bytes)
      this.local.saveRemote(bytes).catch(() => undefined)
    },
    acked: (seq: number, serverSeq: number): void => {
      this.refused = undefined
      this.outbox.acked(seq)
      this.trimOutbox(serverSeq)
      const reached = this.opts.connection?.positions(this.id).server ?? 0
      this.serverWaiters = this.serverWaiters.filter((w) => (w.target <= reached ? (w.resolve(), false) : true))
      this.refresh()
    },
    status: (status: 'offline' | 'syncing' | 'synced'): void => {
      this.syncStatus = status
      this.refresh()
    },
    presence: (peerId: number, state: JsonValue | null): void => this.pres.fromServer(peerId, state),
    divergence: (info: { localHash: string; remoteHash: string }): void => this.events.emit('divergence', info),
    error: (error: WeftSyncError): void => {
      // The server will not take this doc's edits: callers waiting for it must hear so, not hang.
      if (error.code === 'forbidden' || error.code === 'read-only') {
        this.refused = error
        for (const w of this.serverWaiters.splice(0)) w.reject(error)
      }
      this.events.emit('error', error)
    },
  }
}
