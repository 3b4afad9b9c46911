import type { Doc, JsonValue, WeftSyncError } from '@weft/crdt-core'
import type { DocEffectSink, SyncConnection } from '../connection/sync-connection.js'
import type { WeftAuthError } from '../errors.js'
import type { LoadedOutbox, LocalReplica } from '../persistence/local-replica.js'
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
  /** Seqs of this session's block are above `base` ([CLIENT-OUT-2]). */
  private base = 0
  /** Highest seq the session allocated, and the highest written to storage. */
  private lastSeq = 0
  private writtenSeq = 0
  /** Runs `[after, upTo]` of the restored outbox, dropped from storage at the first ack ([CLIENT-OUT-3]). */
  private restoredRuns: { after: number; upTo: number }[] = []
  private waiters: { target: number; resolve: () => void; reject: (e: Error) => void }[] = []
  /** Set when the server refused this doc's writes; cleared when an ack shows it takes them again. */
  private refused: WeftSyncError | undefined

  constructor(private readonly o: ServerLinkOptions) {}

  /**
   * Start syncing, with the outbox kept in storage by earlier runs (and other
   * tabs) and this session's seq block: the session numbers its deltas from
   * `base + 1` on, and storage keeps those numbers ([CLIENT-OUT-1]).
   */
  attach({ base, outbox }: LoadedOutbox, presence: JsonValue | null): void {
    const c = this.o.connection
    this.base = this.lastSeq = this.writtenSeq = base
    this.restoredRuns = runsOf(outbox.map((e) => e.seq))
    // Restored seqs all lie below `base`: the first upload (seq >= base) carries them ([OUT-3]).
    const ackedSeq = outbox.length > 0 ? Math.min(...outbox.map((e) => e.seq)) - 1 : base
    c.attach(this.o.id, this.o.doc, { lastSeq: base, ackedSeq, outbox }, this.sink)
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

  /** True while this doc is live on a welcomed connection: what it is given now goes to the server. */
  get syncing(): boolean {
    const s = this.connectionStatus
    return s === 'syncing' || s === 'synced'
  }

  /** This tab's presence peer id on the server, while connected. */
  get peerId(): number | undefined {
    return this.attached ? this.o.connection.peerId : undefined
  }

  /** Local deltas the server has not acked. */
  get unsaved(): number {
    return (this.attached ? this.o.connection.unacked(this.o.id) : 0) + this.beforeAttach.length
  }

  /** Why the server refuses this doc's edits, while it does ([BIND-2]). */
  get syncError(): WeftSyncError | undefined {
    return this.refused
  }

  /** Why the server refuses the token, while it does. */
  get authError(): WeftAuthError | undefined {
    return this.o.connection.authError
  }

  /** Local deltas not yet handed to storage. */
  get waitingForLoad(): number {
    return this.beforeAttach.length
  }

  get connectionStatus(): ConnectionStatus {
    const c = this.o.connection
    // Before 'offline': between retries the link waits out its backoff as 'offline'.
    if (c.authError && !c.ready) return 'unauthorized'
    if (c.linkState === 'offline') return 'offline'
    if (c.linkState === 'connecting' || !c.ready || !this.attached) return 'connecting'
    // Read from the session, not from its last status effect: a delta from another tab can empty the
    // doc's causal buffer without the session hearing of it, and the badge stayed 'syncing'.
    return c.status(this.o.id)
  }

  /** Resolves when the server acked every local delta made so far. */
  whenSaved(): Promise<void> {
    const target = this.lastSeq
    if (this.o.connection.positions(this.o.id).server >= target) return Promise.resolve()
    if (this.refused) return Promise.reject(this.refused)
    const auth = this.o.connection.authError
    if (auth) return Promise.reject(auth)
    return new Promise((resolve, reject) => this.waiters.push({ target, resolve, reject }))
  }

  /**
   * Storage is failing: let the session send what waits to be written, so the
   * server keeps getting edits; the writes stay queued and are retried.
   */
  storageFailing(): void {
    if (this.attached && this.writtenSeq < this.lastSeq) this.o.connection.persisted(this.o.id, this.lastSeq)
  }

  /** The server acked every delta up to `seq` of this session: drop them, and the restored ones, from storage. */
  private trim(seq: number, serverSeq: number): void {
    const { local } = this.o
    const runs = seq >= this.base ? this.restoredRuns.splice(0) : []
    const trims = [...runs, { after: this.base, upTo: seq }].filter((r) => r.upTo > r.after)
    for (const r of trims) {
      local.ackOutbox(r.after, r.upTo, serverSeq).catch((e: unknown) => {
        // Only a closed queue rejects (failures are retried): the rows stay and
        // the next session re-uploads them, which the CRDT joins idempotently.
        void e
      })
    }
  }

  private readonly sink: DocEffectSink = {
    persistLocal: (seq, bytes) => {
      const { local, connection, id } = this.o
      this.lastSeq = Math.max(this.lastSeq, seq)
      if (local.error) connection.persisted(id, seq) // degraded: see storageFailing
      local.saveLocal(seq, bytes).then(
        () => {
          this.writtenSeq = Math.max(this.writtenSeq, seq)
          connection.persisted(id, seq)
          this.o.changed()
        },
        // Only a closed queue rejects: the handle is closing and the delta is
        // in the journal or lost with the page, as any unwritten edit is.
        () => this.o.changed(),
      )
    },
    persistRemote: (bytes) => {
      this.o.broadcast(bytes)
      this.o.local.saveRemote(bytes)
    },
    acked: (seq, serverSeq) => {
      this.refused = undefined
      this.trim(seq, serverSeq)
      const reached = this.o.connection.positions(this.o.id).server
      const due = this.waiters.filter((w) => w.target <= reached)
      this.waiters = this.waiters.filter((w) => w.target > reached)
      for (const w of due) w.resolve()
      this.o.changed()
    },
    status: () => this.o.changed(),
    authRefused: (error) => {
      // Waiting would never end while the token is refused: tell the callers why ([CLIENT-AUTH-3]).
      for (const w of this.waiters.splice(0)) w.reject(error)
      this.o.changed()
    },
    presence: (peerId, state) => this.o.presence(peerId, state),
    divergence: ({ localHash, remoteHash }) => this.o.divergence({ localHash, remoteHash }),
    error: (error) => {
      // The server will not take this doc's edits: callers waiting for it must hear so, not hang,
      // and the status shows why until an ack says it takes them again ([BIND-2]).
      if (refusesEdits(error)) {
        this.refused = error
        for (const w of this.waiters.splice(0)) w.reject(error)
      }
      this.o.error(error)
      this.o.changed()
    },
  }
}

/**
 * Errors after which this doc's edits are not saved: the principal may not
 * write it, its replica is another's ([BIND-1], [BIND-2]), or the server
 * refused its delta as undecodable or too large ([PART-1]).
 */
function refusesEdits(error: WeftSyncError): boolean {
  switch (error.code) {
    case 'forbidden':
    case 'read-only':
    case 'replica-owned':
      return true
    case 'bad-frame':
    case 'too-large':
      return error.doc !== undefined
    default:
      return false
  }
}

/** Ascending seqs as runs of consecutive numbers, `(after, upTo]` each. */
function runsOf(seqs: readonly number[]): { after: number; upTo: number }[] {
  const runs: { after: number; upTo: number }[] = []
  for (const s of seqs) {
    const last = runs.at(-1)
    if (last && last.upTo === s - 1) last.upTo = s
    else runs.push({ after: s - 1, upTo: s })
  }
  return runs
}
