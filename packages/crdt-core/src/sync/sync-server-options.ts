import type { DocModel } from './sync-doc.js'
import { createDocModel } from './doc-model.js'

/** Access a principal asks for on a doc. */
export type DocAccess = 'read' | 'write'

/** Outcome of authenticating a hello. */
export type AuthResult<P> =
  | {
      readonly ok: true
      readonly principal: P
      /** When the credential lapses, in the clock of `now`; the connection is closed then ([AUTH-2]). */
      readonly expiresAt?: number | undefined
    }
  | { readonly ok: false; readonly reason: string }

/** What the store holds for a doc, as handed to {@link SyncServer.loaded}. */
export interface LoadedDocData {
  /** A folded state (`Doc.encodeState()`) covering every delta with seq <= `seq`. */
  readonly snapshot?: { readonly bytes: Uint8Array; readonly seq: number } | undefined
  /** Logged deltas after the snapshot, ascending seq. */
  readonly deltas: readonly { readonly seq: number; readonly bytes: Uint8Array }[]
  /** The doc's replica bindings as stored ([BIND-1]). */
  readonly owners?: readonly { readonly replica: number; readonly owner: string }[] | undefined
}

/** Options of {@link SyncServer}; times in the caller's clock units (ms). */
export interface SyncServerOptions<P> {
  /** Creates, restores and inspects docs (default: `createDocModel()`, crdt-core's Doc). */
  readonly docModel?: DocModel
  /** Synchronous authentication; without it the server emits `authenticate` effects ([HELLO-2]). */
  readonly authenticate?: (token: string, clientName: string) => AuthResult<P>
  /** Per-doc access check; default allows everything ([AUTH-1]). */
  readonly authorize?: (principal: P, doc: string, access: DocAccess) => boolean
  /** Why `authorize` said no, when it knows better than "may not" (e.g. a doc pinned to other regions); sent as the `forbidden` message. */
  readonly explainRefusal?: (principal: P, doc: string, access: DocAccess) => string | undefined
  /**
   * The identity a principal's replicas are bound to ([BIND-1]), e.g. the JWT
   * `sub`; undefined (the default, and open mode) binds nothing.
   */
  readonly replicaOwner?: (principal: P) => string | undefined
  /** Close a connection that has not said hello (and been accepted) by then (default 10 s). */
  readonly helloTimeoutMs?: number
  /** Close a connection silent for this long (default 60 s) ([BEAT-2]). */
  readonly idleTimeoutMs?: number
  /** Drop presence not refreshed for this long (default 30 s) ([PRES-3]). */
  readonly presenceTimeoutMs?: number
  /** Largest accepted frame in bytes (default 1 MiB) ([LIM-1]). */
  readonly maxFrameBytes?: number
  /**
   * Largest frame that may arrive cut into parts, all parts together (default
   * 16 MiB) ([PART-1]): bounds what one connection can make the server hold
   * while a frame is being joined.
   */
  readonly maxMessageBytes?: number
  /** Largest presence state, as JSON text length (default 4096). */
  readonly maxPresenceBytes?: number
  /** Deepest nesting of a presence state (default 32) ([PRES-5]). */
  readonly maxPresenceDepth?: number
  /** Most entries the version vector of a subscribe or digest may carry (default 16,384) ([LIM-2]). */
  readonly maxVersionVectorEntries?: number
  /**
   * Most bytes a deflated state in a client's `delta` or `heal` may claim to
   * inflate to; more is refused `too-large` from its header, before inflating
   * ([LIM-INFLATE-1]). Default: no bound here beyond the doc model's own.
   */
  readonly maxInflatedBytes?: number
  /** Subscriptions per connection (default 1000). */
  readonly maxDocsPerConnection?: number
  /** Strong operations one connection may have in flight; more are refused `overloaded` (default 16) ([STRONG-3]). */
  readonly maxStrongInFlight?: number
  /** Frames per connection per second; default unlimited. */
  readonly maxFramesPerSecond?: number
}

/** Counters for metrics and tests. */
export interface SyncServerStats {
  divergences: number
  heals: number
  persists: number
  acks: number
  fanouts: number
  /** Stored deltas that failed to decode when a doc was loaded (skipped). */
  corruptStored: number
}

/** Options with every default filled in. Internal. */
export type ResolvedServerOptions<P> = Required<Omit<SyncServerOptions<P>, 'authenticate' | 'maxFramesPerSecond'>> &
  Pick<SyncServerOptions<P>, 'authenticate' | 'maxFramesPerSecond'>

/** Fills in defaults; an option passed as undefined gets its default too (no limit is ever disabled by accident). */
export function resolveServerOptions<P>(o: SyncServerOptions<P>): ResolvedServerOptions<P> {
  const base = {
    docModel: o.docModel ?? createDocModel(),
    authorize: o.authorize ?? (() => true),
    replicaOwner: o.replicaOwner ?? (() => undefined),
    explainRefusal: o.explainRefusal ?? (() => undefined),
    helloTimeoutMs: o.helloTimeoutMs ?? 10_000,
    idleTimeoutMs: o.idleTimeoutMs ?? 60_000,
    presenceTimeoutMs: o.presenceTimeoutMs ?? 30_000,
    maxFrameBytes: o.maxFrameBytes ?? 1 << 20,
    maxMessageBytes: Math.max(o.maxMessageBytes ?? 16 << 20, o.maxFrameBytes ?? 1 << 20),
    maxPresenceBytes: o.maxPresenceBytes ?? 4096,
    maxPresenceDepth: o.maxPresenceDepth ?? 32,
    maxVersionVectorEntries: o.maxVersionVectorEntries ?? 16_384,
    maxInflatedBytes: o.maxInflatedBytes ?? Number.POSITIVE_INFINITY,
    maxDocsPerConnection: o.maxDocsPerConnection ?? 1000,
    maxStrongInFlight: o.maxStrongInFlight ?? 16,
  }
  return {
    ...base,
    ...(o.authenticate ? { authenticate: o.authenticate } : {}),
    ...(o.maxFramesPerSecond !== undefined ? { maxFramesPerSecond: o.maxFramesPerSecond } : {}),
  }
}
