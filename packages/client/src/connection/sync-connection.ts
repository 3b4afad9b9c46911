import {
  ClientSession,
  type ClientEffect,
  type ClientSessionOptions,
  type DocSyncStatus,
  type DurabilityPositions,
  type JsonValue,
  type RestoredDoc,
  type SyncDoc,
  type VersionVector,
  type WeftSyncError,
} from '@weft/crdt-core'
import { WeftAuthError, authReasonOf } from '../errors.js'
import type { Timers } from '../timers.js'
import type { BackoffOptions } from '../transport/backoff.js'
import type { OnlineSignal } from '../transport/online-signal.js'
import { ReconnectingLink, type LinkState } from '../transport/reconnecting-link.js'
import type { Transport } from '../transport/types.js'
import { StrongCalls } from '../strong/strong-calls.js'

/** Where a doc's protocol effects go (implemented by the doc handle). */
export interface DocEffectSink {
  persistLocal(seq: number, bytes: Uint8Array): void
  persistRemote(bytes: Uint8Array): void
  acked(seq: number, serverSeq: number): void
  status(status: DocSyncStatus): void
  presence(peerId: number, state: JsonValue | null): void
  divergence(info: { vv: VersionVector; localHash: string; remoteHash: string }): void
  error(error: WeftSyncError): void
  /** The server refused the token (or there was none to send): writes cannot reach it until one is accepted. */
  authRefused(error: WeftAuthError): void
}

/**
 * A token, or a function called for every connection that returns one (or a
 * promise of one, e.g. fetched from the app's backend).
 *
 * @example
 * createClient({ url, token: () => sessionStorage.getItem('weft-token') ?? '' })
 * createClient({ url, token: async () => (await fetch('/api/weft-token').then((r) => r.json())).token })
 */
export type TokenSource = string | (() => string | Promise<string>)

export interface SyncConnectionOptions {
  transport: Transport
  token?: TokenSource
  timers: Timers
  backoff?: BackoffOptions
  online?: OnlineSignal
  session?: ClientSessionOptions
  /** Deadline of one strong operation; past it the call rejects `WeftOutcomeUnknownError('timeout')`. Default 15 s. */
  strongTimeoutMs?: number
  /** How often the session's clock advances (heartbeats, digests, retries). Default 1 s. */
  tickMs?: number
  /** The link changed state, or a connection-level protocol error happened. */
  onLinkState(state: LinkState): void
  onError(error: WeftSyncError | Error): void
  /** The token was refused (an error), or a later connection was accepted (undefined). */
  onAuthChange?(error: WeftAuthError | undefined): void
}

/**
 * The I/O shell around one protocol `ClientSession`: one reconnecting
 * connection carries every open doc. It feeds transport events, time and
 * local deltas into the session and performs the effects it returns; every
 * protocol decision is the session's.
 */
export class SyncConnection {
  readonly session: ClientSession
  /** Strong operations through this connection ([STRONG-5]). */
  readonly strong: StrongCalls
  private readonly link: ReconnectingLink
  private readonly sinks = new Map<string, DocEffectSink>()
  private tickTimer: unknown
  private closed = false
  private connectionId = 0
  private refusedAuth: WeftAuthError | undefined
  /** The server welcomed the current connection (a later `unauthorized` is its token expiring, not a refusal). */
  private welcomed = false

  constructor(private readonly opts: SyncConnectionOptions) {
    this.session = new ClientSession(opts.session)
    this.strong = new StrongCalls(
      {
        ready: () => !this.closed && this.session.connection === 'ready',
        send: (id, request) => {
          if (this.closed || this.session.connection !== 'ready') return false
          this.run(this.session.strong(id, request))
          return true
        },
      },
      opts.timers,
      opts.strongTimeoutMs ?? 15_000,
    )
    this.link = new ReconnectingLink({
      transport: opts.transport,
      timers: opts.timers,
      ...(opts.backoff && { backoff: opts.backoff }),
      ...(opts.online && { online: opts.online }),
      onOpen: () => void this.opened(),
      onMessage: (frame) => this.run(this.session.received(frame, this.opts.timers.now())),
      onClose: () => {
        this.strong.connectionLost('disconnected')
        this.run(this.session.disconnected())
      },
      onState: (s) => this.opts.onLinkState(s),
    })
    this.link.start()
    this.scheduleTick()
  }

  get linkState(): LinkState {
    return this.link.state
  }

  /** Why the server refused the last token; cleared once a connection is accepted. */
  get authError(): WeftAuthError | undefined {
    return this.refusedAuth
  }

  /** This connection's presence peer id, once the server welcomed it. */
  get peerId(): number | undefined {
    return this.session.peerId
  }

  /** True once the server welcomed this connection. */
  get ready(): boolean {
    return this.session.connection === 'ready'
  }

  attach(docId: string, doc: SyncDoc, restored: RestoredDoc | undefined, sink: DocEffectSink): void {
    this.sinks.set(docId, sink)
    this.run(this.session.open(docId, doc, restored))
  }

  detach(docId: string): void {
    if (!this.sinks.has(docId)) return
    this.run(this.session.close(docId))
    this.sinks.delete(docId)
  }

  localDelta(docId: string, bytes: Uint8Array): void {
    this.run(this.session.localDelta(docId, bytes))
  }

  persisted(docId: string, seq: number): void {
    this.run(this.session.persisted(docId, seq))
  }

  setPresence(docId: string, state: JsonValue | null): void {
    this.run(this.session.setPresence(docId, state))
  }

  status(docId: string): DocSyncStatus {
    return this.session.status(docId)
  }

  unacked(docId: string): number {
    return this.session.unacked(docId)
  }

  positions(docId: string): DurabilityPositions {
    return this.session.positions(docId)
  }

  /**
   * Reconnect so every doc resubscribes with its version vector: used when a
   * doc learned content from outside the session (storage that came back late)
   * that the server may lack.
   */
  resync(reason: string): void {
    if (this.link.state === 'open') this.link.drop(reason)
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    for (const id of [...this.sinks.keys()]) this.detach(id)
    this.opts.timers.clearTimeout(this.tickTimer)
    this.link.stop()
    this.strong.connectionLost('client closed')
    this.run(this.session.disconnected())
  }

  private async opened(): Promise<void> {
    const id = ++this.connectionId
    this.welcomed = false
    let token = ''
    try {
      const t = this.opts.token
      token = typeof t === 'function' ? await t() : (t ?? '')
    } catch (e) {
      this.opts.onError(e instanceof Error ? e : new Error(String(e)))
      const why = e instanceof Error ? e.message : String(e)
      this.authRefused(new WeftAuthError('token-unavailable', `the token function failed: ${why}`, { cause: e }))
      this.link.drop('token unavailable')
      return
    }
    // The connection may have dropped while the token was fetched.
    if (id !== this.connectionId || this.link.state !== 'open') return
    this.run(this.session.connected(this.opts.timers.now(), token))
  }

  private scheduleTick(): void {
    if (this.closed) return
    this.tickTimer = this.opts.timers.setTimeout(() => {
      this.run(this.session.tick(this.opts.timers.now()))
      this.scheduleTick()
    }, this.opts.tickMs ?? 1000)
  }

  private authRefused(error: WeftAuthError): void {
    this.refusedAuth = error
    for (const sink of this.sinks.values()) sink.authRefused(error)
    this.opts.onAuthChange?.(error)
  }

  /** Perform effects in order. */
  private run(effects: readonly ClientEffect[]): void {
    this.perform(effects)
    if (this.session.connection === 'ready') this.welcomed = true
    // A welcome after a refusal: the token works again.
    if (this.refusedAuth && this.session.connection === 'ready') {
      this.refusedAuth = undefined
      this.opts.onAuthChange?.(undefined)
    }
  }

  private perform(effects: readonly ClientEffect[]): void {
    for (const e of effects) {
      switch (e.type) {
        case 'send':
          this.link.send(e.frame)
          break
        case 'close':
          // The link reports the close through onClose, which tells the session.
          this.connectionId++
          this.link.drop(e.reason)
          break
        case 'error':
          if (e.error.doc !== undefined) this.sinks.get(e.error.doc)?.error(e.error)
          else {
            // A token that expires on a welcomed connection ([AUTH-2]) is no refusal: the reconnect asks
            // the token function for a fresh one, and only a refused hello tells waiters to give up.
            if (e.error.code === 'unauthorized' && !this.welcomed) {
              const said = e.error.message.replace(/ \(sync error: [^)]*\)$/, '')
              this.authRefused(new WeftAuthError(authReasonOf(said), `the server refused the token: ${said}`, { cause: e.error }))
            }
            this.opts.onError(e.error)
          }
          break
        case 'persist-local':
          this.sinks.get(e.doc)?.persistLocal(e.seq, e.bytes)
          break
        case 'persist-remote':
          this.sinks.get(e.doc)?.persistRemote(e.bytes)
          break
        case 'acked':
          this.sinks.get(e.doc)?.acked(e.seq, e.serverSeq)
          break
        case 'status':
          this.sinks.get(e.doc)?.status(e.status)
          break
        case 'presence':
          this.sinks.get(e.doc)?.presence(e.peerId, e.state)
          break
        case 'strong-answer':
          this.strong.answered(e.id, e.answer)
          break
        case 'divergence':
          this.sinks.get(e.doc)?.divergence({ vv: e.vv, localHash: e.localHash, remoteHash: e.remoteHash })
          break
        default: {
          const never: never = e
          void never
        }
      }
    }
  }
}
