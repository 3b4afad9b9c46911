import type { Doc, JsonValue, WeftSyncError } from '@weft/crdt-core'
import type { SyncConnection } from '../connection/sync-connection.js'
import { Emitter } from '../emitter.js'
import type { WeftStorageError } from '../errors.js'
import type { CompactionPolicy } from '../persistence/compaction.js'
import { LocalReplica, type LoadedOutbox } from '../persistence/local-replica.js'
import { Presence, type PresenceKey } from '../presence/presence.js'
import { unclaimedSeqBase, type Storage } from '../storage/types.js'
import type { TabChannel } from '../tabs/tab-channel.js'
import { TabSync } from '../tabs/tab-sync.js'
import type { Timers } from '../timers.js'
import { LocalOnlySaver } from './local-only-trim.js'
import { ServerLink } from './server-link.js'
import { sameStatus, type DocStatus, type SaveLevel } from './status.js'

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
  /** How long `close()` keeps retrying a failing storage before giving up (default 3 s). */
  closeFlushMs?: number
  /** Open only after this settles (the previous handle of this id is still flushing). */
  after?: Promise<void>
  /** Called when `close()` starts, with a promise of its end. */
  onClosing(done: Promise<void>): void
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
 *
 * @example
 * const note = client.doc('note:42')
 * await note.ready
 * note.on('status', (s) => render(s.savedOnServer ? 'saved' : `${s.unsaved} unsaved`))
 * note.doc.getText('body').insert(0, 'hi')
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
  private readonly server: ServerLink | undefined
  private readonly localOnly: LocalOnlySaver | undefined
  private readonly events = new Emitter<DocHandleEvents>()
  private readonly offDelta: () => void
  private readonly offStorageError: () => void
  private lastStatus: DocStatus | undefined
  /** Own edits not known written yet, oldest first, and whether they went out early ([CLIENT-TAB-7]). */
  private readonly unwritten: { bytes: Uint8Array; early: boolean }[] = []
  private closed = false
  private closing: Promise<void> | undefined

  /** @internal Handles come from `client.doc(id)`. */
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
        this.server?.storageFailing()
        // Degraded: edits waiting for their write go to the other tabs now, before the ones made from here on.
        this.postEarly()
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
        onPresence: (tab, state, peer) => this.pres.fromTab(tab, state, peer),
        onPeerJoined: () => this.pres.resendToTabs(),
        onError: (e) => this.events.emit('error', e instanceof Error ? e : new Error(String(e))),
        onApplied: (bytes, upload) => {
          // [CLIENT-TAB-6] the writer is offline and we are syncing: send its edit as one of ours (stored,
          // sent, counted unsaved until acked); the server joins it once, whoever else sends it later.
          if (upload && this.server?.syncing) this.server.localDelta(bytes)
          else this.local.saveRemote(bytes)
        },
        onGap: () => this.joinStored(),
      })
    this.server =
      opts.connection &&
      new ServerLink({
        id: opts.id,
        doc: opts.doc,
        connection: opts.connection,
        local: this.local,
        broadcast: (bytes) => this.tabs?.broadcast(bytes),
        presence: (peer, state) => this.pres.fromServer(peer, state),
        error: (e) => this.events.emit('error', e),
        divergence: (info) => this.events.emit('divergence', info),
        changed: () => {
          this.pres.serverPeerChanged()
          this.refresh()
        },
      })
    this.localOnly = this.server ? undefined : new LocalOnlySaver(this.local)
    this.pres = new Presence({
      timers: opts.timers,
      ...opts.presence,
      publishToTabs: (s, peer) => this.tabs?.presence(s, peer),
      serverPeerId: () => this.server?.peerId,
      publishToServer: (s) => this.server?.setPresence(s as JsonValue | null),
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
    this.offStorageError = opts.storage.onError?.((e) => this.events.emit('error', e)) ?? (() => undefined)
    this.ready = (opts.after ?? Promise.resolve()).then(() => this.local.load((late) => this.lateLoaded(late))).then((loaded) => this.start(loaded))
  }

  /** Current status; also pushed to `on('status')` listeners whenever it changes. */
  get status(): DocStatus {
    const unsaved = this.server?.unsaved ?? 0
    const error = this.local.error
    const authError = this.server?.authError
    const syncError = this.server?.syncError
    return {
      connection: this.server?.connectionStatus ?? 'offline',
      unsaved,
      savedLocally: this.local.pendingWrites === 0 && (this.server?.waitingForLoad ?? this.localOnly?.waiting ?? 0) === 0,
      savedOnServer: this.server !== undefined && unsaved === 0,
      ...(error && { storageError: error }),
      ...(authError && { authError }),
      ...(syncError && { syncError }),
    }
  }

  on<K extends keyof DocHandleEvents>(event: K, fn: (...args: DocHandleEvents[K]) => void): () => void {
    // Without listeners `refresh` keeps no status: the first one hears changes from the status now.
    if (event === 'status' && !this.closed && !this.events.has('status')) this.lastStatus = this.status
    return this.events.on(event, fn)
  }

  /**
   * Resolves once every edit made so far is stored at `level`: `local` (this
   * device's storage) or `server` (acked by the server after it is durable there).
   * `local` waits out storage errors (writes are retried) and rejects with
   * `WeftStorageError` code `closed` only if the doc is closed before they are
   * stored (a failing storage is given `closeFlushMs` at close).
   * `server` rejects without a server, or when the server refuses writes to the
   * doc (`WeftSyncError` with code `forbidden`, `read-only` or `replica-owned`,
   * or `bad-frame` / `too-large` for a delta it could not take; `status.syncError`
   * shows it and `unsaved` stays above 0: nothing refused is ever reported saved), or while it
   * refuses the token (`WeftAuthError`, whose `reason` says why; `status.authError`
   * shows it too). The edits stay in the outbox and upload once a token is accepted.
   */
  async whenSaved(level: SaveLevel): Promise<void> {
    await this.ready
    if (level === 'local') {
      // Outbox trims waiting to be merged count as writes asked for: settle them too.
      this.local.flushAcks()
      return this.local.whenWritten()
    }
    if (level !== 'server') throw new Error(`unknown durability level ${String(level)}`)
    if (!this.server) throw new Error('whenSaved("server") needs a server: createClient({ url })')
    return this.server.whenSaved()
  }

  /** Stop syncing this doc: flush local writes, leave presence, release the channel. */
  close(): Promise<void> {
    if (this.closing) return this.closing
    this.closing = this.shutdown()
    this.opts.onClosing(this.closing)
    return this.closing
  }

  private async shutdown(): Promise<void> {
    this.closed = true
    this.pres.close()
    this.offDelta()
    this.offStorageError()
    await this.ready
    await this.flush()
    this.server?.detach()
    this.tabs?.close()
    this.local.close()
    this.events.clear()
  }

  /**
   * Write what is queued before closing. A failing storage is retried at once
   * and given `closeFlushMs`; what still cannot be written is reported, since
   * waiting could take forever.
   */
  private async flush(): Promise<void> {
    this.local.flushAcks()
    // A storage that closed itself fails the wait; what is left unwritten is reported below.
    const written = this.local.whenWritten().catch(() => undefined)
    if (!this.local.error) return written
    this.local.retryNow()
    let timer: unknown
    const gaveUp = new Promise<void>((resolve) => (timer = this.opts.timers.setTimeout(resolve, this.opts.closeFlushMs ?? 3000)))
    await Promise.race([written, gaveUp])
    this.opts.timers.clearTimeout(timer)
    const left = this.local.pendingWrites
    if (left > 0) this.events.emit('error', new Error(`closed with ${left} writes not stored locally: ${this.local.error?.message ?? 'storage failing'}`))
  }

  /** Recompute status and tell listeners if it changed. */
  refresh(): void {
    // Runs twice per received delta (its local write starts and ends): with
    // nobody listening, computing the status is wasted.
    if (this.closed || !this.events.has('status')) return
    const s = this.status
    if (this.lastStatus && sameStatus(this.lastStatus, s)) return
    this.lastStatus = s
    this.events.emit('status', s)
  }

  private onLocalDelta(bytes: Uint8Array): void {
    if (this.closed) return
    // Queues the edit's write, so `whenWritten` below waits for it.
    if (this.server) this.server.localDelta(bytes)
    else this.localOnly?.save(bytes)
    // [CLIENT-TAB-5] other tabs get an edit once it is stored, so nothing they build on it outlives it
    // if this tab dies first; while storage fails they get it at once (degraded, as the server does).
    if (this.tabs) {
      this.unwritten.push({ bytes, early: false })
      if (this.local.error) this.postEarly()
      // Writes dropped by a close are never posted as written: they went out early when storage failed.
      void this.local.whenWritten().then(
        () => this.postWritten(),
        () => undefined,
      )
    }
    this.refresh()
  }

  /**
   * [CLIENT-TAB-7] Own edits go to the other tabs in the order they were made,
   * once written; when storage fails, also at once (degraded), every edit
   * still waiting for its write included. Posting only the newest at once
   * left the ones waiting unposted: a tab that died then left the others
   * holding edits whose causal past no replica would ever send. Posted with
   * `upload` when this tab is not syncing, so one that is sends them ([CLIENT-TAB-6]).
   */
  private postEarly(): void {
    const upload = !this.server?.syncing
    for (const e of this.unwritten) {
      if (e.early) continue
      e.early = true
      this.tabs?.broadcast(e.bytes, upload)
    }
  }

  /** Everything queued so far is written: post it, again if it went out early (tabs opened since missed it). */
  private postWritten(): void {
    const upload = !this.server?.syncing
    for (const e of this.unwritten.splice(0)) this.tabs?.broadcast(e.bytes, upload)
  }

  /** Loaded, or storage failed (`undefined`): the doc runs in memory, its writes queued under an unclaimed seq block. */
  private start(loaded: LoadedOutbox | undefined): void {
    if (this.closed) return
    const l = loaded ?? { base: unclaimedSeqBase(), outbox: [] }
    this.tabs?.hello()
    this.server?.attach(l, this.pres.state as JsonValue | null)
    this.localOnly?.start(l.base)
    this.refresh()
  }

  /**
   * [CLIENT-TAB-8] Another tab's delta had a gap: besides asking the tabs, read the disk, where
   * a tab that died after storing its edits (and before posting them) left them. What that
   * brings reaches the server through the next digest ([DIG-4]: the server's vector lacks it),
   * without reconnecting every doc. A failed read leaves the gap to the next load, which reads
   * the same rows.
   */
  private joinStored(): void {
    void this.ready
      .then(() => (this.closed ? false : this.local.joinStored()))
      .then(
        (grew) => grew && this.refresh(),
        () => undefined,
      )
  }

  /** Storage failed at first and came back: the stored doc is now joined in; peers may lack it. */
  private lateLoaded({ outbox }: LoadedOutbox): void {
    if (this.closed) return
    if (outbox.length > 0) this.tabs?.hello()
    this.server?.storedContentLoaded()
    this.refresh()
  }
}
