import { type AuthResult, type ServerEffect, SyncServer, createDocModel } from '@weft/crdt-core'
import type { Logger } from 'pino'
import { type Authenticate, type Authorize, type Principal, isAuthError } from '../auth/auth.js'
import { closeCodeFor } from '../connection/close-codes.js'
import type { FrameHandler, SocketShell } from '../connection/socket-shell.js'
import type { FanOut } from '../fanout/fan-out.js'
import { InProcessFanOut } from '../fanout/in-process-fan-out.js'
import type { Limits } from '../limits/limits.js'
import type { ServerMetrics } from '../metrics/metrics.js'
import type { Store } from '../store/store.js'
import { Compactor } from './compactor.js'
import { lazyEmptyDocs } from './lazy-doc-model.js'

/** One frame for some of a doc's subscribers, as carried by the {@link FanOut}. */
export interface BroadcastEvent {
  readonly frame: Uint8Array
  readonly to: readonly number[]
}

/** Everything the protocol side of the server needs. */
export interface SyncServiceDeps {
  readonly store: Store
  readonly auth: { readonly authenticate: Authenticate; readonly authorize: Authorize }
  readonly limits: Limits
  readonly metrics: ServerMetrics
  readonly logger: Logger
  readonly fanOut?: FanOut<BroadcastEvent> | undefined
  readonly compactionThreshold?: number | undefined
  readonly compactionKeepTail?: number | undefined
  /** How often the protocol clock advances (hello deadline, idle, presence expiry). */
  readonly tickMs?: number | undefined
  readonly now?: (() => number) | undefined
}

/**
 * The I/O shell around crdt-core's `SyncServer`: feeds it socket frames and
 * store answers, and carries out its effects (send, broadcast through the
 * {@link FanOut}, persist to the {@link Store}, load, close). It makes no
 * protocol decision of its own.
 */
export class SyncService {
  private readonly server: SyncServer<Principal>
  private readonly shells = new Map<number, SocketShell>()
  private readonly fanOut: FanOut<BroadcastEvent>
  private readonly fanOutSubs = new Map<string, () => void>()
  private readonly compactor: Compactor
  private readonly inflight = new Set<Promise<unknown>>()
  private readonly ticker: ReturnType<typeof setInterval>
  private readonly now: () => number
  private nextConn = 1

  constructor(private readonly d: SyncServiceDeps) {
    this.now = d.now ?? Date.now
    const { limits } = d
    this.server = new SyncServer<Principal>({
      // Docs nobody wrote (an idle subscriber's, say) share one empty doc until their first delta.
      docModel: lazyEmptyDocs(createDocModel()),
      authorize: (p, doc, access) => d.auth.authorize(p, doc, access),
      helloTimeoutMs: limits.helloTimeoutMs,
      maxFrameBytes: limits.maxFrameBytes,
      maxDocsPerConnection: limits.maxDocsPerConnection,
      maxFramesPerSecond: limits.maxMessagesPerSecond,
    })
    this.fanOut = d.fanOut ?? new InProcessFanOut<BroadcastEvent>((e) => d.logger.error({ err: e }, 'fan-out listener failed'))
    this.compactor = new Compactor({
      store: d.store,
      docOf: (doc) => this.server.doc(doc),
      threshold: d.compactionThreshold ?? 1000,
      keepTail: d.compactionKeepTail ?? Math.min(100, Math.floor((d.compactionThreshold ?? 1000) / 2)),
      metrics: d.metrics,
      logger: d.logger,
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

  /** Stops the clock, waits for in-flight store and auth work, and background compaction. */
  async close(): Promise<void> {
    clearInterval(this.ticker)
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight])
    await this.compactor.close()
    for (const off of this.fanOutSubs.values()) off()
    this.fanOutSubs.clear()
  }

  private run(effects: readonly ServerEffect[], persistedDelta = false): void {
    for (const e of effects) {
      try {
        this.execute(e, persistedDelta)
      } catch (error) {
        this.d.metrics.errors.inc({ code: 'internal' })
        this.d.logger.error({ err: error, effect: e.type }, 'effect failed')
      }
    }
  }

  private execute(e: ServerEffect, persistedDelta: boolean): void {
    const { metrics, logger, store } = this.d
    switch (e.type) {
      case 'send':
        this.shells.get(e.conn)?.send(e.frame)
        return
      case 'broadcast':
        // Broadcasts answering `persisted` are the fanned-out deltas.
        if (persistedDelta) metrics.deltasOut.inc(e.to.length)
        this.subscribeFanOut(e.doc)
        this.fanOut.publish(e.doc, { frame: e.frame, to: e.to })
        return
      case 'close':
        this.shells.get(e.conn)?.close(closeCodeFor(e.code), e.reason)
        return
      case 'authenticate':
        this.track(
          this.d.auth.authenticate(e.token === '' ? undefined : e.token).then(
            (principal): AuthResult<Principal> => ({ ok: true, principal }),
            (error: unknown): AuthResult<Principal> => {
              if (!isAuthError(error)) logger.error({ err: error }, 'authenticate hook failed')
              const reason = isAuthError(error) ? `${error.code}: ${error.message}` : 'authentication failed'
              metrics.errors.inc({ code: isAuthError(error) ? error.code : 'auth-hook-failed' })
              return { ok: false, reason }
            },
          ),
          (result) => this.server.authenticated(e.conn, result),
        )
        return
      case 'load':
        this.track(
          store.load(e.doc).then((data) => {
            this.compactor.loaded(e.doc, data.deltas.length, data.snapshot?.seq ?? 0)
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
        this.fanOutSubs.get(e.doc)?.()
        this.fanOutSubs.delete(e.doc)
        this.compactor.unloaded(e.doc)
        metrics.docsLoaded.set(this.server.loadedDocs.length)
        return
      case 'persist': {
        // [STORE-2] holds without chaining here: the store commits every
        // pending append in one synchronous transaction and rejects them all
        // if it fails, before any later append can be issued, so the durable
        // log is always a prefix of what was issued.
        metrics.deltasIn.inc()
        const started = performance.now()
        this.track(
          store.append(e.doc, { bytes: e.bytes, ranges: e.ranges }).then((seq) => {
            metrics.ackLatency.observe((performance.now() - started) / 1000)
            this.compactor.appended(e.doc, seq)
            return seq
          }),
          (seq) => this.server.persisted(e.id, seq),
          (error) => {
            metrics.errors.inc({ code: 'persist-failed' })
            logger.error({ err: error, doc: e.doc }, 'persisting a delta failed')
            return this.server.persistFailed(e.id)
          },
          true,
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
    }
  }

  /**
   * Awaits `work`, then feeds the protocol's answer back in. Tracked so
   * `close()` can wait for it (acks are sent only after the commit).
   */
  private track<T>(
    work: Promise<T>,
    onDone: (value: T) => readonly ServerEffect[],
    onFail?: (error: unknown) => readonly ServerEffect[],
    persistedDelta = false,
  ): void {
    const p = work.then(
      (value) => this.run(onDone(value), persistedDelta),
      (error: unknown) => {
        if (onFail) this.run(onFail(error))
        else this.d.logger.error({ err: error }, 'background work failed')
      },
    )
    this.inflight.add(p)
    void p.finally(() => this.inflight.delete(p))
  }

  private subscribeFanOut(doc: string): void {
    if (this.fanOutSubs.has(doc)) return
    const off = this.fanOut.subscribe(doc, (event) => {
      for (const conn of event.to) this.shells.get(conn)?.send(event.frame)
    })
    this.fanOutSubs.set(doc, off)
  }
}
