import { WeftCausalBufferFullError, WeftDecodeError } from '../errors.js'
import { vvCovers, vvEquals } from '../version-vector.js'
import type { VersionVector } from '../version-vector.js'
import type { ClientEffect, DocSyncStatus } from './client-effects.js'
import { docStatus, newClientDocState } from './client-doc-state.js'
import { vvKey } from './vv-key.js'
import type { ClientDocState } from './client-doc-state.js'
import { decodeMessage, encodeMessage } from './codec.js'
import { WireTables } from './wire-tables.js'
import type { DurabilityPositions, RestoredDoc } from './durability.js'
import type { JsonValue } from '../values.js'
import type { ProtocolMessage } from './messages/index.js'
import { SYNC_ORIGIN } from './sync-doc.js'
import type { SyncDoc } from './sync-doc.js'
import { WeftSyncError, isFatalSyncErrorCode } from './sync-error.js'
import { FrameAssembler, splitFrame } from './frame-parts.js'
import { readDeltaRanges } from '../delta/codec.js'
import type { FrameLimits } from './messages/index.js'
import type { StrongRequest } from './messages/strong.js'

/** Options of {@link ClientSession}; times are in the caller's clock units (ms). */
export interface ClientSessionOptions {
  /** Sent in hello, for the server's logs. */
  readonly clientName?: string
  /** Send a ping after this long without sending anything (default 15 s) ([BEAT-1]). */
  readonly heartbeatMs?: number
  /** Close when nothing was received for this long (default 45 s) ([BEAT-2]). */
  readonly timeoutMs?: number
  /** Re-send own presence this often while set (default 10 s) ([PRES-3]). */
  readonly presenceHeartbeatMs?: number
  /** Send a digest once a synced doc has been quiet this long (default 2 s) ([DIG-1]). */
  readonly digestQuietMs?: number
  /**
   * Retry a doc refused with `unavailable` after about this long (default 5 s): each wait is
   * `retryMs` times a random factor in [0.5, 1.5), so that every subscriber of a doc whose store
   * failed does not come back in the same instant ([ACK-4]).
   */
  readonly retryMs?: number
  /** Random numbers in [0, 1) for that factor (default `Math.random`; tests pass a seeded one). */
  readonly random?: () => number
  /** Largest frame accepted from the server in parts, all parts together (default 1 GiB: the server is trusted with the doc's size) ([PART-1]). */
  readonly maxMessageBytes?: number
  /**
   * Protocol to speak (default 2, [WIRE-1]). 1 talks to a server that predates protocol 2, which
   * refuses a protocol-2 hello with `unsupported-version`; upgrade servers before clients instead.
   */
  readonly protocolVersion?: 1 | 2
}

/** Counters for metrics and tests. */
export interface ClientSessionStats {
  divergences: number
  heals: number
}

export type ClientConnectionPhase = 'offline' | 'handshaking' | 'ready'

const EMPTY = new Uint8Array(0)
/** What a server that states no limits in its welcome accepts (its defaults). */
const DEFAULT_SERVER_LIMITS: FrameLimits = { maxFrameBytes: 1 << 20, maxMessageBytes: 1 << 20 }

/**
 * The client half of the Weft sync protocol as a state machine: inputs in,
 * {@link ClientEffect}s out; no I/O, no timers, no clock of its own.
 * See SPEC.md beside this file for the rules cited in brackets.
 *
 * @example
 * ```ts
 * const session = new ClientSession({ clientName: 'notes-web' })
 * run(session.open('note:1', doc, restored))
 * doc.on('delta', (bytes) => run(session.localDelta('note:1', bytes)))
 * socket.onopen = () => run(session.connected(Date.now(), token))
 * socket.onmessage = (e) => run(session.received(new Uint8Array(e.data), Date.now()))
 * socket.onclose = () => run(session.disconnected())
 * setInterval(() => run(session.tick(Date.now())), 1000)
 * ```
 */
export class ClientSession {
  readonly stats: ClientSessionStats = { divergences: 0, heals: 0 }
  private readonly docs = new Map<string, ClientDocState>()
  private phase: ClientConnectionPhase = 'offline'
  private peer: number | undefined
  private now = 0
  private lastSentAt = 0
  private lastReceivedAt = 0
  private readonly clientName: string
  private readonly heartbeatMs: number
  private readonly timeoutMs: number
  private readonly presenceHeartbeatMs: number
  private readonly digestQuietMs: number
  private readonly retryMs: number
  private readonly random: () => number
  /** Joins frames the server sends in parts ([PART-1]). */
  private readonly parts: FrameAssembler
  /** The connected server's frame limits, from its welcome. */
  private serverLimits: FrameLimits = DEFAULT_SERVER_LIMITS
  private readonly protocolVersion: 1 | 2
  /** [WIRE-1] this connection's tables (protocol 2), new with each connection. */
  private wire: { readonly in: WireTables; readonly out: WireTables } | undefined

  constructor(options: ClientSessionOptions = {}) {
    this.clientName = options.clientName ?? 'weft-client'
    this.heartbeatMs = options.heartbeatMs ?? 15_000
    this.timeoutMs = options.timeoutMs ?? 45_000
    this.presenceHeartbeatMs = options.presenceHeartbeatMs ?? 10_000
    this.digestQuietMs = options.digestQuietMs ?? 2_000
    this.retryMs = options.retryMs ?? 5_000
    this.random = options.random ?? Math.random
    this.parts = new FrameAssembler(options.maxMessageBytes ?? 1 << 30)
    this.protocolVersion = options.protocolVersion ?? 2
  }

  /** Connection phase: offline, hello sent, or welcomed. */
  get connection(): ClientConnectionPhase {
    return this.phase
  }

  /** This connection's id in presence, once welcomed. */
  get peerId(): number | undefined {
    return this.peer
  }

  /** Docs currently open. */
  get openDocs(): readonly string[] {
    return [...this.docs.keys()]
  }

  /**
   * Starts syncing `doc` under `id`. `restored` is what storage kept from an
   * earlier run: its outbox is joined into the doc (idempotent) and resent.
   */
  open(id: string, doc: SyncDoc, restored?: RestoredDoc): ClientEffect[] {
    const out: ClientEffect[] = []
    if (this.docs.has(id)) throw new Error(`doc ${JSON.stringify(id)} is already open in this session`)
    const d = newClientDocState(id, doc, this.now)
    if (restored) {
      d.lastSeq = d.persistedSeq = restored.lastSeq
      d.ackedSeq = d.sentSeq = restored.ackedSeq
      d.outbox = restored.outbox.filter((e) => e.seq > restored.ackedSeq).map((e) => ({ seq: e.seq, bytes: e.bytes }))
      // [OUT-4] the doc must contain what the outbox promises to upload.
      for (const e of d.outbox) this.apply(out, d, e.bytes, false)
    }
    this.docs.set(id, d)
    if (this.phase === 'ready') this.subscribe(out, d)
    this.emitStatus(out, d)
    return out
  }

  /** Stops syncing a doc; its unacked deltas stay in storage for the next open. */
  close(id: string): ClientEffect[] {
    const out: ClientEffect[] = []
    const d = this.docs.get(id)
    if (!d) return out
    if (this.phase === 'ready' && d.phase !== 'idle' && d.phase !== 'rejected') this.send(out, { type: 'unsubscribe', doc: id })
    this.clearOthers(out, d)
    this.docs.delete(id)
    return out
  }

  /** The transport is open: say hello ([HELLO-1]). */
  connected(now: number, token = ''): ClientEffect[] {
    const out: ClientEffect[] = []
    this.now = now
    this.phase = 'handshaking'
    this.lastReceivedAt = now
    this.wire = this.protocolVersion === 2 ? { in: new WireTables(), out: new WireTables() } : undefined
    this.send(out, { type: 'hello', token, clientName: this.clientName })
    return out
  }

  /** The transport closed (or the shell closed it): every doc goes offline; unacked deltas stay ([OUT-3]). */
  disconnected(): ClientEffect[] {
    const out: ClientEffect[] = []
    this.phase = 'offline'
    this.peer = undefined
    this.parts.reset()
    this.serverLimits = DEFAULT_SERVER_LIMITS
    for (const d of this.docs.values()) {
      d.phase = d.refused ? 'rejected' : 'idle'
      d.sentSeq = d.ackedSeq
      d.uploadVV = undefined
      d.digestKey = undefined
      d.retryAt = 0
      this.clearOthers(out, d)
      this.emitStatus(out, d)
    }
    return out
  }

  /** A local transaction produced `bytes`: allocate the next seq and ask for it to be persisted ([OUT-1]). */
  localDelta(id: string, bytes: Uint8Array): ClientEffect[] {
    const out: ClientEffect[] = []
    const d = this.mustGet(id)
    const seq = ++d.lastSeq
    d.outbox.push({ seq, bytes })
    d.changedAt = this.now
    d.digestHash = undefined
    out.push({ type: 'persist-local', doc: id, seq, bytes })
    this.emitStatus(out, d)
    return out
  }

  /** Every local delta of `id` up to `seq` is persisted: send what may now go ([OUT-2]). */
  persisted(id: string, seq: number): ClientEffect[] {
    const out: ClientEffect[] = []
    const d = this.docs.get(id)
    if (!d) return out
    d.persistedSeq = Math.max(d.persistedSeq, Math.min(seq, d.lastSeq))
    if (d.uploadVV !== undefined) this.upload(out, d)
    else this.flushOutbox(out, d)
    this.emitStatus(out, d)
    return out
  }

  /** Sets (or with null clears) this client's presence in a doc ([PRES-1]). */
  setPresence(id: string, state: JsonValue | null): ClientEffect[] {
    const out: ClientEffect[] = []
    const d = this.mustGet(id)
    d.presence = state
    if (d.phase === 'live') this.sendPresence(out, d)
    return out
  }

  /**
   * Sends strong request `id` ([STRONG-2]); its answer comes out as a
   * `strong-answer` effect. Only on a welcomed connection: a strong op is
   * never queued, so the caller refuses it itself otherwise ([STRONG-5]).
   * Throws `WeftStrongInputError` for bad arguments, before anything is sent.
   */
  strong(id: number, request: StrongRequest): ClientEffect[] {
    if (this.phase !== 'ready') throw new Error('strong operations need a welcomed connection')
    const out: ClientEffect[] = []
    this.send(out, { type: 'strong', id, request })
    return out
  }

  /** Advances the session's clock: heartbeats, timeouts, presence refresh, digests, retries. */
  tick(now: number): ClientEffect[] {
    const out: ClientEffect[] = []
    this.now = now
    if (this.phase === 'offline') return out
    if (now - this.lastReceivedAt >= this.timeoutMs) {
      out.push({ type: 'close', reason: 'timeout' })
      return out
    }
    if (this.phase !== 'ready') return out
    for (const d of this.docs.values()) {
      if (d.phase === 'idle' && now >= d.retryAt) this.subscribe(out, d)
      if (d.phase !== 'live') continue
      if (d.presence !== null && now - d.presenceSentAt >= this.presenceHeartbeatMs) this.sendPresence(out, d)
      if (now - d.changedAt >= this.digestQuietMs) this.maybeDigest(out, d)
    }
    if (now - this.lastSentAt >= this.heartbeatMs) this.send(out, { type: 'ping' })
    return out
  }

  /** A frame arrived from the server. */
  received(part: Uint8Array, now: number): ClientEffect[] {
    const out: ClientEffect[] = []
    this.now = now
    this.lastReceivedAt = now
    let frame: Uint8Array | undefined
    try {
      frame = this.parts.push(part)
    } catch (e) {
      if (!(e instanceof WeftSyncError)) throw e
      this.fail(out, e)
      return out
    }
    if (frame === undefined) return out
    let m: ProtocolMessage
    try {
      m = decodeMessage(frame, this.wire?.in)
    } catch (e) {
      if (!(e instanceof WeftDecodeError)) throw e
      this.fail(out, new WeftSyncError(e.code === 'bad-version' ? 'unsupported-version' : 'bad-frame', e.message))
      return out
    }
    this.handle(out, m)
    return out
  }

  /** Local and server positions of a doc ([DUR-2]). */
  positions(id: string): DurabilityPositions {
    const d = this.mustGet(id)
    return { local: d.persistedSeq, server: d.ackedSeq }
  }

  /** Local deltas not yet acked by the server. */
  unacked(id: string): number {
    return this.mustGet(id).outbox.length
  }

  status(id: string): DocSyncStatus {
    return docStatus(this.mustGet(id))
  }

  /** Other peers' presence in a doc, by peer id. */
  others(id: string): ReadonlyMap<number, JsonValue> {
    return this.mustGet(id).others
  }

  private handle(out: ClientEffect[], m: ProtocolMessage): void {
    switch (m.type) {
      case 'welcome':
        if (this.phase !== 'handshaking') return this.fail(out, new WeftSyncError('bad-frame', 'unexpected welcome'))
        this.phase = 'ready'
        this.peer = m.peerId
        this.serverLimits = m.limits ?? DEFAULT_SERVER_LIMITS
        for (const d of this.docs.values()) this.subscribe(out, d)
        return
      case 'ping':
        this.send(out, { type: 'pong' })
        return
      case 'pong':
        return
      case 'error':
        return this.onError(out, m.code, m.message, m.doc)
      case 'sync':
        return this.onSync(out, m.doc, m.vv, m.delta)
      case 'delta': {
        const d = this.docs.get(m.doc)
        if (d && (d.phase === 'live' || d.phase === 'subscribing') && !this.forgedOwnDots(out, d, undefined, m.delta)) this.apply(out, d, m.delta, true)
        if (d) d.serverSeq = Math.max(d.serverSeq, m.seq)
        return
      }
      case 'ack':
        return this.onAck(out, m.doc, m.clientSeq, m.serverSeq)
      case 'digest':
        return this.onDigest(out, m.doc, m.vv, m.hash)
      case 'heal': {
        const d = this.docs.get(m.doc)
        if (d && d.phase !== 'idle') this.apply(out, d, m.state, true)
        return
      }
      case 'presence': {
        const d = this.docs.get(m.doc)
        if (!d || d.phase === 'idle' || m.peerId === this.peer) return
        if (m.state === null) {
          if (!d.others.delete(m.peerId)) return
        } else d.others.set(m.peerId, m.state)
        out.push({ type: 'presence', doc: m.doc, peerId: m.peerId, state: m.state })
        return
      }
      case 'strongResult':
        out.push({ type: 'strong-answer', id: m.id, answer: m.result })
        return
      case 'strongError':
        out.push({ type: 'strong-answer', id: m.id, answer: m.failure })
        return
      case 'hello':
      case 'subscribe':
      case 'unsubscribe':
      case 'strong':
        return this.fail(out, new WeftSyncError('bad-frame', `a server does not send ${m.type}`))
    }
  }

  /** [SYNC-3] apply what we lack, then upload what the server lacks ([OUT-5]). */
  private onSync(out: ClientEffect[], id: string, serverVV: VersionVector, delta: Uint8Array): void {
    const d = this.docs.get(id)
    if (!d || d.phase === 'idle' || d.phase === 'rejected') return
    if (this.forgedOwnDots(out, d, serverVV, undefined)) return
    if (!this.apply(out, d, delta, true)) return
    d.phase = 'live'
    d.uploadVV = serverVV
    this.upload(out, d)
    if (d.presence !== null) this.sendPresence(out, d)
    this.emitStatus(out, d)
    this.maybeDigest(out, d)
  }

  /**
   * [OUT-3] one compact delta of everything the server lacks replaces resending
   * the outbox one by one; its seq acks the whole outbox up to there. [OUT-5]
   * it waits until every local delta is persisted, so no op leaves this device
   * before it is durable here (a crash then can never lose an op that others
   * already depend on).
   */
  private upload(out: ClientEffect[], d: ClientDocState): void {
    const serverVV = d.uploadVV
    if (serverVV === undefined || this.phase !== 'ready' || d.phase !== 'live') return
    if (d.persistedSeq < d.lastSeq) return
    d.uploadVV = undefined
    const upTo = d.persistedSeq
    const lacks = !vvCovers(serverVV, d.doc.versionVector())
    if (lacks || upTo > d.ackedSeq) {
      // Not sent (above the server's limit): nothing may be acked over it, so nothing more goes.
      if (!this.send(out, { type: 'delta', doc: d.id, seq: upTo, delta: lacks ? d.doc.encodeDeltaSince(serverVV) : EMPTY })) return
    }
    d.sentSeq = Math.max(d.sentSeq, upTo)
    this.flushOutbox(out, d)
  }

  private onAck(out: ClientEffect[], id: string, clientSeq: number, serverSeq: number): void {
    const d = this.docs.get(id)
    if (!d) return
    // [BIND-2] the server may ack what it lacks (it thinks it has dots of this replica): never report saved.
    if (d.refused) return
    d.serverSeq = Math.max(d.serverSeq, serverSeq)
    // [ACK-3] cumulative; an ack beyond what this connection sent is ignored.
    const upTo = Math.min(clientSeq, d.sentSeq)
    if (upTo <= d.ackedSeq) return
    d.ackedSeq = upTo
    let drop = 0
    while (drop < d.outbox.length && d.outbox[drop]!.seq <= upTo) drop++
    d.outbox.splice(0, drop)
    out.push({ type: 'acked', doc: id, seq: upTo, serverSeq })
    this.emitStatus(out, d)
  }

  /** [DIG-2] equal version vectors with different digests: count, report, heal once per state. */
  private onDigest(out: ClientEffect[], id: string, vv: VersionVector, hash: string): void {
    const d = this.docs.get(id)
    if (d?.phase !== 'live') return
    const mine = d.doc.versionVector()
    if (!vvCovers(vv, mine)) {
      // [DIG-4] the server lacks dots we hold (joined from another tab whose upload never came):
      // send what it lacks, as the compact upload after a sync does ([OUT-3]).
      if (d.uploadVV === undefined) {
        d.uploadVV = vv
        this.upload(out, d)
      }
      return
    }
    if (!vvEquals(mine, vv)) return
    const key = vvKey(mine)
    const local = key === d.digestKey && d.digestHash !== undefined ? d.digestHash : d.doc.digest()
    if (local === hash) return
    this.stats.divergences++
    out.push({ type: 'divergence', doc: id, vv: mine, localHash: local, remoteHash: hash })
    if (d.healKey === key) return
    d.healKey = key
    this.stats.heals++
    this.send(out, { type: 'heal', doc: id, state: d.doc.encodeState() })
  }

  private onError(out: ClientEffect[], code: WeftSyncError['code'], message: string, doc: string | undefined): void {
    // [WIRE-1] a server from before protocol 2 refuses our hello: say what to do about it.
    const older = code === 'unsupported-version' && this.phase === 'handshaking' && this.wire !== undefined
    const why = older ? `${message}: the server predates sync protocol 2; upgrade it, or create the client with session: { protocolVersion: 1 }` : message
    const error = new WeftSyncError(code, why, doc)
    out.push({ type: 'error', error })
    if (isFatalSyncErrorCode(code)) {
      out.push({ type: 'close', reason: code })
      return
    }
    const d = doc === undefined ? undefined : this.docs.get(doc)
    if (!d) return
    if (code === 'forbidden' || code === 'too-many-docs') d.phase = 'rejected'
    else if (code === 'replica-owned') this.refuseDoc(d, error)
    else if (code === 'missing-deps') {
      // [CAUSAL-1] the server ignores this doc's writes until we re-subscribe; the
      // compact upload after the sync reply carries everything it lacks.
      d.sentSeq = d.ackedSeq
      if (this.phase === 'ready' && d.phase === 'live') this.subscribe(out, d)
    } else if (code === 'unavailable' || code === 'not-subscribed') {
      d.phase = 'idle'
      d.retryAt = this.now + Math.round(this.retryMs * (0.5 + this.random()))
    }
    // 'read-only': the outbox stays; it is uploaded once the principal may write.
    this.emitStatus(out, d)
  }

  /**
   * [BIND-2] Dots of this client's own replica that it never made, in a sync
   * reply's version vector or a live delta's header, mean another client
   * writes under its id (a forgery, or a collision). Joining them would make
   * its next edits reuse or overflow those counters, and the server would
   * ack them while lacking them: the doc is refused instead. True when it was.
   */
  private forgedOwnDots(out: ClientEffect[], d: ClientDocState, serverVV: VersionVector | undefined, delta: Uint8Array | undefined): boolean {
    const me = d.doc.replicaIdIfDrawn ?? 0
    if (me === 0) return false
    const mine = d.doc.counterOf ? d.doc.counterOf(me) : (d.doc.versionVector()[me] ?? 0)
    let theirs = serverVV?.[me] ?? 0
    if (delta !== undefined && delta.length > 0) {
      let ranges: ReturnType<typeof readDeltaRanges>
      try {
        ranges = readDeltaRanges(delta)
      } catch {
        return false // undecodable: `apply` reports it
      }
      for (const r of ranges ?? []) if (r.replica === me) theirs = Math.max(theirs, r.to)
    }
    if (theirs <= mine) return false
    const error = new WeftSyncError(
      'replica-owned',
      `the server holds counter ${theirs} of this client's replica ${me}, which made only ${mine}: another client writes under its id, so edits made here cannot be saved`,
      d.id,
    )
    out.push({ type: 'error', error })
    if (this.phase === 'ready' && d.phase !== 'idle') this.send(out, { type: 'unsubscribe', doc: d.id })
    this.refuseDoc(d, error)
    this.clearOthers(out, d)
    this.emitStatus(out, d)
    return true
  }

  private refuseDoc(d: ClientDocState, error: WeftSyncError): void {
    d.refused = error
    d.phase = 'rejected'
    d.uploadVV = undefined
    d.sentSeq = d.ackedSeq
  }

  private subscribe(out: ClientEffect[], d: ClientDocState): void {
    if (d.refused) return
    // [PRES-4] the sync reply brings the current presence set; what we knew may be stale.
    this.clearOthers(out, d)
    d.phase = 'subscribing'
    this.send(out, { type: 'subscribe', doc: d.id, vv: d.doc.versionVector() })
    this.emitStatus(out, d)
  }

  /** Sends persisted, unsent outbox entries in seq order; only once live ([OUT-2]). */
  private flushOutbox(out: ClientEffect[], d: ClientDocState): void {
    if (this.phase !== 'ready' || d.phase !== 'live' || d.uploadVV !== undefined) return
    for (const e of d.outbox) {
      if (e.seq <= d.sentSeq) continue
      if (e.seq > d.persistedSeq) break
      if (!this.send(out, { type: 'delta', doc: d.id, seq: e.seq, delta: e.bytes })) break
      d.sentSeq = e.seq
    }
  }

  /**
   * Joins remote bytes into the doc. False when they were refused: a bad delta
   * fails the connection; a full causal buffer re-subscribes ([SYNC-5]).
   */
  private apply(out: ClientEffect[], d: ClientDocState, bytes: Uint8Array, remote: boolean): boolean {
    if (bytes.length === 0) return true
    try {
      d.doc.applyDelta(bytes, SYNC_ORIGIN)
    } catch (e) {
      if (e instanceof WeftDecodeError) {
        this.fail(out, new WeftSyncError('bad-frame', `undecodable delta: ${e.message}`, d.id))
        return false
      }
      if (e instanceof WeftCausalBufferFullError) {
        // [CAUSAL-2] what waits may be garbage that never applies: drop it and re-subscribe.
        // Anything real in it is on the server and comes back in the sync reply.
        d.doc.discardPending?.()
        if (this.phase === 'ready') this.subscribe(out, d)
        return false
      }
      throw e
    }
    d.changedAt = this.now
    d.digestHash = undefined
    if (remote) out.push({ type: 'persist-remote', doc: d.id, bytes })
    this.emitStatus(out, d)
    return true
  }

  private maybeDigest(out: ClientEffect[], d: ClientDocState): void {
    if (d.phase !== 'live' || d.uploadVV !== undefined || d.outbox.length > 0 || d.doc.pendingCount > 0) return
    const vv = d.doc.versionVector()
    const key = vvKey(vv)
    if (key === d.digestKey) return
    d.digestKey = key
    d.digestHash = d.doc.digest()
    this.send(out, { type: 'digest', doc: d.id, vv, hash: d.digestHash })
  }

  private sendPresence(out: ClientEffect[], d: ClientDocState): void {
    d.presenceSentAt = this.now
    this.send(out, { type: 'presence', doc: d.id, peerId: 0, state: d.presence })
  }

  private clearOthers(out: ClientEffect[], d: ClientDocState): void {
    for (const peerId of d.others.keys()) out.push({ type: 'presence', doc: d.id, peerId, state: null })
    d.others.clear()
  }

  private emitStatus(out: ClientEffect[], d: ClientDocState): void {
    const s = docStatus(d)
    if (s === d.lastStatus) return
    d.lastStatus = s
    out.push({ type: 'status', doc: d.id, status: s })
  }

  /** [ERR-3] a bad frame from the server: report, tell it, close. */
  private fail(out: ClientEffect[], error: WeftSyncError): void {
    out.push({ type: 'error', error })
    this.send(out, { type: 'error', code: error.code, message: error.message })
    out.push({ type: 'close', reason: error.code })
  }

  /**
   * [PART-1] a frame above the server's frame limit goes out as parts, back to
   * back. False (nothing sent) when it is above what the server joins at all.
   */
  private send(out: ClientEffect[], m: ProtocolMessage): boolean {
    const mark = this.wire?.out.mark()
    const frame = encodeMessage(m, this.wire?.out)
    if (frame.length > this.serverLimits.maxMessageBytes) {
      // Not sent: the server's tables never saw what this frame named ([WIRE-1]).
      if (mark !== undefined) this.wire?.out.rollback(mark)
      const doc = 'doc' in m ? m.doc : undefined
      const why = `a ${m.type} frame of ${frame.length} bytes is above the server's limit of ${this.serverLimits.maxMessageBytes}; it stays unsaved`
      out.push({ type: 'error', error: new WeftSyncError('too-large', why, doc) })
      return false
    }
    this.lastSentAt = this.now
    for (const f of splitFrame(frame, this.serverLimits.maxFrameBytes)) out.push({ type: 'send', frame: f })
    return true
  }

  private mustGet(id: string): ClientDocState {
    const d = this.docs.get(id)
    if (!d) throw new Error(`doc ${JSON.stringify(id)} is not open in this session`)
    return d
  }
}
