import { type AuthResult, TRUSTED_MAX_INFLATED_BYTES, type ServerEffect, SyncServer, createDocModel } from '@weft/crdt-core'
import type { Logger } from 'pino'
import { type Authenticate, type Authorize, type Principal, isAuthError } from '../auth/auth.js'
import { closeCodeFor } from '../connection/close-codes.js'
import type { FrameHandler, SocketShell } from '../connection/socket-shell.js'
import type { Bus } from '../bus/bus.js'
import { BusRelay } from '../bus/bus-relay.js'
import type { DocOwnership } from '../cluster/doc-ownership.js'
import type { Limits } from '../limits/limits.js'
import type { ServerMetrics } from '../metrics/metrics.js'
import { isReplicaOwnedError } from '../store/store-errors.js'
import type { Store } from '../store/store.js'
import { Compactor } from './compactor.js'
import { lazyEmptyDocs } from './lazy-doc-model.js'
import { loadedThroughSeq } from './loaded-through-seq.js'
import type { StrongOps } from '../strong/strong-ops.js'
import { NO_STRONG_BACKEND, runStrongRequest, strongFailureOf } from '../strong/run-strong-request.js'

/** How this node works with the others over one store. */
export interface ClusterDeps {
  /** This node's id (bus messages, leases, registry). */
  readonly node: string
  readonly bus: Bus
  /** Who compacts which doc; absent: this node compacts everything it has loaded. */
  readonly ownership?: DocOwnership | undefined
  /** Tuning of the bus relay (see {@link BusRelay}). */
  readonly gapGraceMs?: number | undefined
  readonly beatMs?: number | undefined
  readonly sweepMs?: number | undefined
}

/** Everything the protocol side of the server needs. */
export interface SyncServiceDeps {
  readonly store: Store
  readonly auth: {
    readonly authenticate: Authenticate
    readonly authorize: Authorize
    /** Whom a principal's replicas are bound to ([BIND-1]); absent or undefined: nothing is bound (open mode). */
    readonly replicaOwner?: ((principal: Principal) => string | undefined) | undefined
    /** Why `authorize` refused, when it can say (a doc pinned to other regions, [RESIDENCY-3]). */
    readonly explainRefusal?: ((principal: Principal, doc: string, access: 'read' | 'write') => string | undefined) | undefined
  }
  readonly limits: Limits
  readonly metrics: ServerMetrics
  readonly logger: Logger
  /** Other nodes over the same store; absent: this node runs alone. */
  readonly cluster?: ClusterDeps | undefined
  /** Runs clients' strong operations ([STRONG-2]); absent: every one is refused `unavailable`. */
  readonly strong?: StrongOps | undefined
  readonly compactionThreshold?: number | undefined
  readonly compactionKeepTail?: number | undefined
  /** How often the protocol clock advances (hello deadline, idle, presence expiry). */
  readonly tickMs?: number | undefined
  readonly now?: (() => number) | undefined
}

/**
 * The I/O shell around crdt-core's `SyncServer`: feeds it socket frames,
 * store answers and deltas other nodes committed, and carries out its effects
 * (send and broadcast to this node's sockets, persist to the {@link Store},
 * durable deltas to the bus, load, close). It makes no protocol decision of
 * its own.
 */
export class SyncService {
  private readonly server: SyncServer<Principal>
  private readonly shells = new Map<number, SocketShell>()
  private readonly relay: BusRelay | undefined
  private readonly compactor: Compactor
  private readonly inflight = new Set<Promise<unknown>>()
  private readonly ticker: ReturnType<typeof setInterval>
  private readonly now: () => number
  /**
   * Connection ids are presence peer ids. They start at a random point, not 1, so
   * they are unique across nodes and restarts too ([PRES-6]): a tab can name its
   * own server presence to the tabs beside it, which then hide that entry.
   */
  private nextConn = 1 + Math.floor(Math.random() * 2 ** 40)

  constructor(private readonly d: SyncServiceDeps) {
    this.now = d.now ?? Date.now
    const { limits } = d
    this.server = new SyncServer<Principal>({
      // Docs nobody wrote (an idle subscriber's, say) share one empty doc until their first delta.
      // The doc model loads this store's snapshots, which may be as large as the doc ([LIMIT-2]): no
      // policy bound. A client's state is bounded before it reaches the model (maxInflatedBytes below).
      docModel: lazyEmptyDocs(createDocModel({ maxInflatedBytes: TRUSTED_MAX_INFLATED_BYTES })),
      authorize: (p, doc, access) => d.auth.authorize(p, doc, access),
      replicaOwner: (p) => d.auth.replicaOwner?.(p),
      explainRefusal: (p, doc, access) => d.auth.explainRefusal?.(p, doc, access),
      helloTimeoutMs: limits.helloTimeoutMs,
      maxFrameBytes: limits.maxFrameBytes,
      maxMessageBytes: limits.maxMessageBytes,
      maxDocsPerConnection: limits.maxDocsPerConnection,
      maxFramesPerSecond: limits.maxMessagesPerSecond,
      maxPresenceBytes: limits.maxPresenceBytes,
      maxPresenceDepth: limits.maxPresenceDepth,
      maxVersionVectorEntries: limits.maxVersionVectorEntries,
      // [LIM-INFLATE-1] A client's deflated state: 4x a message, with no floor (the doc model's
      // bound is for snapshots this server wrote itself), so lowering maxMessageBytes bounds a frame's inflate too.
      maxInflatedBytes: 4 * limits.maxMessageBytes,
    })
    const cluster = d.cluster
    this.relay =
      cluster &&
      new BusRelay({
        node: cluster.node,
        bus: cluster.bus,
        store: d.store,
        metrics: d.metrics,
        logger: d.logger,
        gapGraceMs: cluster.gapGraceMs,
        beatMs: cluster.beatMs,
        sweepMs: cluster.sweepMs,
        deliver: (doc, delta, seq) => {
          // A delta another node committed: joined here and relayed to this node's subscribers ([FAN-2]).
          this.run(this.server.relayed(doc, delta, seq))
          this.compactor.appended(doc, seq)
        },
      })
    const ownership = cluster?.ownership
    this.compactor = new Compactor({
      store: d.store,
      docOf: (doc) => this.server.doc(doc),
      threshold: d.compactionThreshold ?? 1000,
      keepTail: d.compactionKeepTail ?? Math.min(100, Math.floor((d.compactionThreshold ?? 1000) / 2)),
      metrics: d.metrics,
      logger: d.logger,
      claim: ownership && ((doc, o) => ownership.claim(doc, o)),
    })
    const tickMs = d.tickMs ?? Math.max(10, Math.min(250, Math.floor(limits.helloTimeoutMs / 4)))
    this.ticker = setInterval(() => this.run(this.server.tick(this.now())), tickMs)
    this.ticker.unref()
  }

  /** Registers a new socket with the protocol; it reports its frames to {@link frames} as `conn`. */
  accept(shell: SocketShell): number {
    const conn = this.nextConn++
    this.shells.set(conn, shell)
    this.run(this.server.connect(conn, this.now()))
    return conn
  }

  /** The frame handler of every connection (one object, no closures per socket). */
  readonly frames: FrameHandler = {
    onFrame: (conn, bytes) => this.run(this.server.receive(conn, bytes, this.now())),
    onClose: (conn) => {
      this.shells.delete(conn)
      this.run(this.server.disconnect(conn))
    },
  }

  docsLoaded(): number {
    return this.server.loadedDocs.length
  }

  /** Ids of the docs in memory (loaded or loading). */
  loadedDocs(): readonly string[] {
    return this.server.loadedDocs
  }

  /**
   * A delta this node appended to the store for a peer region ([REGION-2]):
   * like a commit of its own, told to this region's other nodes over the bus
   * and joined here for this node's subscribers.
   */
  imported(doc: string, seq: number, delta: Uint8Array): void {
    this.relay?.committed(doc, seq, delta)
    this.run(this.server.relayed(doc, delta, seq))
    this.compactor.appended(doc, seq)
  }

  /** Waits until no re-read from the store is pending (tests). */
  async relaySettled(): Promise<void> {
    await this.relay?.settled()
  }

  /** Stops the clock, waits for in-flight store and auth work, and background compaction. */
  async close(): Promise<void> {
    clearInterval(this.ticker)
    this.relay?.close()
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight])
    await this.compactor.close()
  }

  private run(effects: readonly ServerEffect[]): void {
    for (const e of effects) {
      try {
        this.execute(e)
      } catch (error) {
        this.d.metrics.errors.inc({ code: 'internal' })
        this.d.logger.error({ err: error, effect: e.type }, 'effect failed')
      }
    }
  }

  private execute(e: ServerEffect): void {
    const { metrics, logger, store } = this.d
    switch (e.type) {
      case 'send':
        this.shells.get(e.conn)?.send(e.frame)
        return
      case 'broadcast':
        // Every recipient is a socket of this node; other nodes hear of deltas through `durable`.
        if (e.message === 'delta') metrics.deltasOut.inc(e.to.length)
        for (const conn of e.to) this.shells.get(conn)?.send(e.frame)
        return
      case 'durable':
        // [FAN-2] committed: the other nodes watching this doc join it and relay it to their subscribers.
        this.relay?.committed(e.doc, e.serverSeq, e.delta)
        return
      case 'close':
        this.shells.get(e.conn)?.close(closeCodeFor(e.code), e.reason)
        return
      case 'authenticate':
        this.track(
          this.d.auth.authenticate(e.token === '' ? undefined : e.token).then(
            (principal): AuthResult<Principal> => ({ ok: true, principal, expiresAt: principal.expiresAt }),
            (error: unknown): AuthResult<Principal> => {
              if (!isAuthError(error)) logger.error({ err: error }, 'authenticate hook failed')
              const reason = isAuthError(error) ? `${error.code}: ${error.message}` : 'authentication failed'
              metrics.errors.inc({ code: isAuthError(error) ? error.code : 'auth-hook-failed' })
              // At the default level so an operator sees why clients cannot sync; never the token itself.
              if (isAuthError(error)) logger.info({ conn: e.conn, clientName: e.clientName, code: error.code }, 'authentication refused')
              return { ok: false, reason }
            },
          ),
          (result) => this.server.authenticated(e.conn, result),
        )
        return
      case 'load':
        this.track(
          // Watch the bus before reading, so nothing committed in between is missed.
          (this.relay?.watch(e.doc) ?? Promise.resolve())
            .then(() => store.load(e.doc))
            .then((data) => {
              this.relay?.loaded(e.doc, data.head.seq)
              // [COMPACT-1] every seq the load read is in the doc: the watermark starts past the log, not at the snapshot.
              this.compactor.loaded(e.doc, data.deltas.length, loadedThroughSeq(data))
              return this.server.loaded(e.doc, data)
            }),
          (effects) => effects,
          (error) => {
            metrics.errors.inc({ code: 'load-failed' })
            logger.error({ err: error, doc: e.doc }, 'loading a doc failed')
            return this.server.loadFailed(e.doc)
          },
        )
        metrics.docsLoaded.set(this.server.loadedDocs.length)
        return
      case 'unload':
        this.relay?.unwatch(e.doc)
        this.d.cluster?.ownership?.forget(e.doc)
        this.compactor.unloaded(e.doc)
        metrics.docsLoaded.set(this.server.loadedDocs.length)
        return
      case 'persist': {
        // [STORE-2] holds without chaining here: every Store keeps a doc's
        // appends in issue order and fails those issued before a failure was
        // seen (the contract suite checks it), so the durable log is always a
        // prefix of what was issued.
        metrics.deltasIn.inc()
        const started = performance.now()
        this.track(
          store.append(e.doc, { bytes: e.bytes, ranges: e.ranges, ...(e.owner !== undefined && { owner: e.owner }) }).then((seq) => {
            metrics.ackLatency.observe((performance.now() - started) / 1000)
            this.compactor.appended(e.doc, seq)
            return seq
          }),
          (seq) => this.server.persisted(e.id, seq),
          (error) => {
            if (isReplicaOwnedError(error)) {
              // [BIND-1] bound on another node since this one loaded the doc: a refusal, not a fault.
              metrics.errors.inc({ code: 'replica-owned' })
              logger.warn({ doc: e.doc, replica: error.replica, owner: e.owner }, 'write refused: replica bound to another principal')
              return this.server.persistFailed(e.id, 'replica-owned')
            }
            metrics.errors.inc({ code: 'persist-failed' })
            logger.error({ err: error, doc: e.doc }, 'persisting a delta failed')
            return this.server.persistFailed(e.id)
          },
        )
        return
      }
      case 'strong': {
        const ops = this.d.strong
        if (!ops) {
          this.run(this.server.strongAnswered(e.conn, e.id, NO_STRONG_BACKEND))
          return
        }
        this.track(
          runStrongRequest(ops, e.request),
          (result) => this.server.strongAnswered(e.conn, e.id, result),
          (error) => {
            const failure = strongFailureOf(error)
            metrics.errors.inc({ code: `strong-${failure.code}` })
            if (failure.kind === 'outcome-unknown') logger.warn({ err: error, conn: e.conn, op: e.request.op }, 'strong operation outcome unknown')
            else logger.debug({ conn: e.conn, op: e.request.op, code: failure.code }, 'strong operation refused')
            return this.server.strongAnswered(e.conn, e.id, failure)
          },
        )
        return
      }
      case 'refused':
        metrics.errors.inc({ code: e.code })
        logger.debug({ conn: e.conn, code: e.code, doc: e.doc, message: e.message }, 'refused')
        return
      case 'divergence':
        metrics.divergencesHealed.inc()
        logger.warn({ conn: e.conn, doc: e.doc, serverHash: e.serverHash, clientHash: e.clientHash }, 'divergence healed')
        return
      default: {
        // Every effect is carried out: a new one fails to compile here until it is.
        const unhandled: never = e
        throw new Error(`unhandled effect ${JSON.stringify(unhandled)}`)
      }
    }
  }

  /**
   * Awaits `work`, then feeds the protocol's answer back in. Tracked so
   * `close()` can wait for it (acks are sent only after the commit).
   */
  private track<T>(work: Promise<T>, onDone: (value: T) => readonly ServerEffect[], onFail?: (error: unknown) => readonly ServerEffect[]): void {
    const p = work.then(
      (value) => this.run(onDone(value)),
      (error: unknown) => {
        if (onFail) this.run(onFail(error))
        else this.d.logger.error({ err: error }, 'background work failed')
      },
    )
    this.inflight.add(p)
    void p.finally(() => this.inflight.delete(p))
  }
}
