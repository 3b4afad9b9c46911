import { WeftCausalBufferFullError, WeftDecodeError } from '../errors.js'
import { vvCovers, vvEquals } from '../version-vector.js'
import type { VersionVector } from '../version-vector.js'
import { vvKey } from './vv-key.js'
import { decodeMessage, encodeMessage } from './codec.js'
import { PROTOCOL_VERSION } from './protocol-version.js'
import { WireTables } from './wire-tables.js'
import { BroadcastFrames } from './broadcast-frames.js'
import type { JsonValue } from '../values.js'
import type { ProtocolMessage } from './messages/index.js'
import type { ConnectionId, ServerEffect } from './server-effects.js'
import { newRoom, releaseDurable, takeAcks } from './server-state.js'
import type { Room, ServerSessionState, SessionDoc } from './server-state.js'
import { SYNC_ORIGIN } from './sync-doc.js'
import type { DeltaInfo, SyncDoc } from './sync-doc.js'
import type { AppliedDeltaInfo } from '../delta/inspect.js'
import { deflatedStateClaim, isStateHeader, readDeltaRanges } from '../delta/codec.js'
import type { DotRange } from '../delta/types.js'
import { resolveServerOptions } from './sync-server-options.js'
import type { AuthResult, LoadedDocData, ResolvedServerOptions, SyncServerOptions, SyncServerStats } from './sync-server-options.js'
import { WeftSyncError, isFatalSyncErrorCode } from './sync-error.js'
import { FrameAssembler, isPartFrame, splitFrame } from './frame-parts.js'
import { jsonBoundsViolation } from './json-bounds.js'
import { missingDependency } from './missing-dependency.js'
import { versionVectorEntryCount } from './vv-entry-count.js'
import type { SyncErrorCode } from './sync-error.js'
import type { StrongFailure, StrongOpName, StrongRequest, StrongResult } from './messages/strong.js'
import { isStrongFailure, strongInputProblem } from './strong-checks.js'

const EMPTY = new Uint8Array(0)
const STRONG_READS = new Set<StrongOpName>(['readClaim', 'read', 'readCounter'])
const MAX_QUEUED_DURING_AUTH = 64

/**
 * The server half of the Weft sync protocol as a state machine, for every
 * connection and every loaded doc of one server process. Inputs in,
 * {@link ServerEffect}s out; no sockets, no store, no clock of its own.
 * Rebuilds each doc from the store on load, so a restarted server (or a
 * second one on the same store) is correct. Rules cited in brackets are in
 * SPEC.md.
 *
 * @example
 * ```ts
 * const server = new SyncServer({ docModel, authorize: (p, doc, access) => canAccess(p, doc, access) })
 * ws.on('open', () => run(server.connect(id, Date.now())))
 * ws.on('message', (data) => run(server.receive(id, data, Date.now())))
 * // run(): 'send' -> socket.send, 'persist' -> store.append(...).then((seq) => run(server.persisted(e.id, seq))), ...
 * ```
 */
export class SyncServer<P = unknown> {
  readonly stats: SyncServerStats = { divergences: 0, heals: 0, persists: 0, acks: 0, fanouts: 0, corruptStored: 0 }
  private readonly sessions = new Map<ConnectionId, ServerSessionState<P>>()
  private readonly rooms = new Map<string, Room>()
  /** Rooms with at least one presence entry: what `tick` has to look at. */
  private readonly presenceRooms = new Set<Room>()
  private readonly persists = new Map<number, { doc: string; conn: ConnectionId | undefined; bytes: Uint8Array; fanned: boolean }>()
  private nextPersistId = 1
  private now = 0
  private readonly o: ResolvedServerOptions<P>

  constructor(options: SyncServerOptions<P> = {}) {
    this.o = resolveServerOptions(options)
  }

  /** Live connections. */
  get connectionCount(): number {
    return this.sessions.size
  }

  /** Docs in memory (loaded or loading). */
  get loadedDocs(): readonly string[] {
    return [...this.rooms.keys()]
  }

  /** A loaded doc, e.g. for compaction (`encodeState`) or metrics; undefined when not in memory. */
  doc(id: string): SyncDoc | undefined {
    return this.rooms.get(id)?.doc
  }

  /** A transport connection opened. `conn` must be a new positive id. */
  connect(conn: ConnectionId, now: number): ServerEffect[] {
    if (!Number.isSafeInteger(conn) || conn <= 0) throw new RangeError('connection ids are positive safe integers')
    if (this.sessions.has(conn)) throw new Error(`connection ${conn} is already open`)
    this.now = now
    this.sessions.set(conn, {
      id: conn,
      phase: 'hello',
      principal: undefined,
      expiresAt: undefined,
      clientName: '',
      openedAt: now,
      lastReceivedAt: now,
      queued: [],
      docs: new Map(),
      rateWindowStart: now,
      rateCount: 0,
      parts: undefined,
      strongInFlight: undefined,
      wire: undefined,
    })
    return []
  }

  /** The transport closed: drop subscriptions and presence ([PRES-4]). Unanswered acks are never sent. */
  disconnect(conn: ConnectionId): ServerEffect[] {
    const out: ServerEffect[] = []
    const s = this.sessions.get(conn)
    if (!s) return out
    this.drop(out, s)
    return out
  }

  /** A frame arrived on a connection. */
  receive(conn: ConnectionId, frame: Uint8Array, now: number): ServerEffect[] {
    const out: ServerEffect[] = []
    this.now = now
    const s = this.sessions.get(conn)
    if (!s || s.phase === 'closed') return out
    s.lastReceivedAt = now
    if (frame.length > this.o.maxFrameBytes) {
      this.fail(out, s, 'too-large', `frame of ${frame.length} bytes exceeds ${this.o.maxFrameBytes}`)
      return out
    }
    if (this.o.maxFramesPerSecond !== undefined) {
      if (now - s.rateWindowStart >= 1000) {
        s.rateWindowStart = now
        s.rateCount = 0
      }
      if (++s.rateCount > this.o.maxFramesPerSecond) {
        this.fail(out, s, 'rate-limited', `more than ${this.o.maxFramesPerSecond} frames per second`)
        return out
      }
    }
    if (this.expired(out, s, now)) return out
    const vvEntries = versionVectorEntryCount(frame)
    if (vvEntries !== undefined && vvEntries > this.o.maxVersionVectorEntries) {
      // [LIM-2] refused before decoding: each entry costs microseconds to decode.
      this.fail(out, s, 'too-large', `version vector of ${vvEntries} entries exceeds ${this.o.maxVersionVectorEntries}`)
      return out
    }
    if (s.phase === 'authenticating') {
      if (s.queued.length >= MAX_QUEUED_DURING_AUTH) this.fail(out, s, 'rate-limited', 'too many frames before authentication')
      else s.queued.push(frame)
      return out
    }
    this.process(out, s, frame)
    return out
  }

  /** Answer to an `authenticate` effect. */
  authenticated(conn: ConnectionId, result: AuthResult<P>): ServerEffect[] {
    const out: ServerEffect[] = []
    const s = this.sessions.get(conn)
    if (s?.phase !== 'authenticating') return out
    this.finishAuth(out, s, result)
    return out
  }

  /**
   * Answer to a `strong` effect ([STRONG-2]): sent to the connection if it is
   * still open; dropped otherwise (its client reports the outcome unknown).
   */
  strongAnswered(conn: ConnectionId, id: number, answer: StrongResult | StrongFailure): ServerEffect[] {
    const out: ServerEffect[] = []
    const s = this.sessions.get(conn)
    if (s?.phase !== 'ready' || !s.strongInFlight?.delete(id)) return out
    if (isStrongFailure(answer)) this.send(out, conn, { type: 'strongError', id, failure: answer })
    else this.send(out, conn, { type: 'strongResult', id, result: answer })
    return out
  }

  /** Answer to a `load` effect: rebuild the doc from its snapshot and log ([STORE-1]). */
  loaded(doc: string, data: LoadedDocData): ServerEffect[] {
    const out: ServerEffect[] = []
    const room = this.rooms.get(doc)
    if (!room || room.doc) return out
    let d = this.o.docModel.create()
    let seq = 0
    if (data.snapshot) {
      try {
        d = this.o.docModel.load(data.snapshot.bytes)
      } catch (e) {
        if (!(e instanceof WeftDecodeError)) throw e
        return this.loadFailed(doc)
      }
      seq = data.snapshot.seq
    }
    for (const delta of data.deltas) {
      try {
        d.applyDelta(delta.bytes, SYNC_ORIGIN)
      } catch (e) {
        if (!(e instanceof WeftDecodeError) && !(e instanceof WeftCausalBufferFullError)) throw e
        this.stats.corruptStored++
      }
      seq = Math.max(seq, delta.seq)
    }
    room.doc = d
    room.serverSeq = seq
    for (const o of data.owners ?? []) (room.owners ??= new Map()).set(o.replica, o.owner)
    // [ROOM-2] each queued action is isolated: one that throws (or closes its session) must not cost
    // the others their sync. The queue stays in place while it runs, so the room cannot unload midway.
    const waiting = room.waiting
    for (let i = 0; i < waiting.length; i++) this.isolated(waiting[i]!)
    room.waiting = []
    // Subscribers' sync replies were queued in `waiting`; collect their effects.
    out.push(...this.drainDeferred())
    this.maybeUnload(out, room)
    return out
  }

  /** Answer to a `load` effect when the store failed: subscribers get `unavailable` and retry. */
  loadFailed(doc: string): ServerEffect[] {
    const out: ServerEffect[] = []
    const room = this.rooms.get(doc)
    if (!room || room.doc) return out
    this.resetRoom(out, room, 'the doc could not be loaded')
    return out
  }

  /**
   * Answer to a `persist` effect: the delta is durable as `serverSeq`. Acks and
   * fan-out follow in issue order, once every earlier persist of the doc is
   * durable too ([ACK-2], [FAN-1], [STORE-2]).
   */
  persisted(id: number, serverSeq: number): ServerEffect[] {
    const out: ServerEffect[] = []
    const p = this.persists.get(id)
    if (!p) return out
    this.persists.delete(id)
    const room = this.rooms.get(p.doc)
    if (!room) return out
    room.inflight?.delete(id)
    const queued = room.fanQueue
    room.fanQueue = undefined
    for (const q of queued ?? []) this.fanOut(out, room, q.writer, q.bytes, 0)
    room.done.push({ id, serverSeq, conn: p.conn, bytes: p.bytes, fanned: p.fanned })
    for (const d of releaseDurable(room)) {
      room.serverSeq = Math.max(room.serverSeq, d.serverSeq)
      out.push({ type: 'durable', doc: p.doc, serverSeq: d.serverSeq, delta: d.bytes })
      if (d.fanned) continue
      room.held--
      this.fanOut(out, room, d.conn, d.bytes, d.serverSeq)
    }
    for (const c of room.subscribers) {
      const s = this.sessions.get(c)
      const sd = s?.docs.get(p.doc)
      if (s && sd) this.flushAcks(out, s, sd, room)
    }
    this.maybeUnload(out, room)
    return out
  }

  /**
   * A delta made durable by another server node on the same store (from its
   * `durable` effect, carried by a bus): joined into the doc if it is in
   * memory here and relayed to this node's subscribers ([FAN-2]).
   */
  relayed(doc: string, delta: Uint8Array, serverSeq: number): ServerEffect[] {
    const out: ServerEffect[] = []
    const room = this.rooms.get(doc)
    if (!room) return out
    // While loading, the store read may predate this delta: join it after the load.
    if (!room.doc) room.waiting.push(() => this.relayInto(this.deferred, room, delta, serverSeq))
    else this.relayInto(out, room, delta, serverSeq)
    return out
  }

  /**
   * Answer to a `persist` effect when the store failed. The doc in memory may
   * now hold what the store does not, so it is dropped: subscribers get
   * `unavailable`, resubscribe, and re-upload from their outboxes ([ACK-4]).
   */
  persistFailed(id: number, reason?: 'replica-owned'): ServerEffect[] {
    const out: ServerEffect[] = []
    const p = this.persists.get(id)
    if (!p) return out
    const room = this.rooms.get(p.doc)
    // [BIND-1] a binding this node had not seen (made on another node): the writer hears why, the others re-sync.
    const writer = reason === 'replica-owned' && p.conn !== undefined ? p.conn : undefined
    if (room) this.resetRoom(out, room, 'a write could not be stored', writer)
    return out
  }

  /** Advances the clock: hello deadline, idle timeout, presence expiry. */
  tick(now: number): ServerEffect[] {
    const out: ServerEffect[] = []
    this.now = now
    for (const s of [...this.sessions.values()]) {
      if (s.phase !== 'ready' && now - s.openedAt >= this.o.helloTimeoutMs) this.fail(out, s, 'timeout', 'no hello in time')
      else if (s.phase === 'ready' && now - s.lastReceivedAt >= this.o.idleTimeoutMs) this.fail(out, s, 'timeout', 'connection idle')
      else this.expired(out, s, now)
    }
    // Only rooms with presence: the tick costs nothing per idle doc.
    for (const room of [...this.presenceRooms]) {
      for (const [conn, p] of [...(room.presence ?? [])]) {
        if (p.expiresAt <= now) this.clearPresence(out, room, conn)
      }
    }
    return out
  }

  /**
   * [AUTH-2] a credential stops working at its expiry, on an open connection
   * too: the connection is closed as `unauthorized` and the client reconnects
   * with a fresh token. True when it was closed.
   */
  private expired(out: ServerEffect[], s: ServerSessionState<P>, now: number): boolean {
    if (s.expiresAt === undefined || now < s.expiresAt || s.phase === 'closed') return false
    this.fail(out, s, 'unauthorized', 'token expired; reconnect with a fresh token')
    return true
  }

  // ---- frames ----

  private deferred: ServerEffect[] = []

  private drainDeferred(): ServerEffect[] {
    const d = this.deferred
    this.deferred = []
    return d
  }

  private relayInto(out: ServerEffect[], room: Room, delta: Uint8Array, serverSeq: number): void {
    if (this.rooms.get(room.id) !== room || !room.doc) return
    try {
      room.doc.applyDelta(delta, SYNC_ORIGIN)
    } catch (e) {
      if (!(e instanceof WeftDecodeError) && !(e instanceof WeftCausalBufferFullError)) throw e
      // The doc cannot take it: forget the doc; the next subscriber reloads it from the store.
      return this.resetRoom(out, room, 'the doc fell behind its store')
    }
    room.digestHash = undefined
    room.serverSeq = Math.max(room.serverSeq, serverSeq)
    this.fanOut(out, room, undefined, delta, serverSeq)
  }

  private process(out: ServerEffect[], s: ServerSessionState<P>, part: Uint8Array): void {
    let frame: Uint8Array | undefined = part
    if (s.parts || isPartFrame(part)) {
      try {
        frame = (s.parts ??= new FrameAssembler(this.o.maxMessageBytes)).push(part)
      } catch (e) {
        if (!(e instanceof WeftSyncError)) throw e
        return this.fail(out, s, e.code, e.message)
      }
      if (frame === undefined) return
      if (!s.parts.assembling) s.parts = undefined
    }
    // [WIRE-1] a hello in protocol 2 makes this a protocol-2 connection, both ways, from that frame on.
    if (s.phase === 'hello' && s.wire === undefined && frame[0] === PROTOCOL_VERSION) s.wire = { in: new WireTables(), out: new WireTables() }
    let m: ProtocolMessage
    try {
      m = decodeMessage(frame, s.wire?.in)
    } catch (e) {
      if (!(e instanceof WeftDecodeError)) throw e
      this.fail(out, s, e.code === 'bad-version' ? 'unsupported-version' : 'bad-frame', e.message)
      return
    }
    if (m.type === 'delta' || m.type === 'heal') {
      // [LIM-INFLATE-1] inflating is the costliest step of a small frame (130 KB of deflate held 20 MB,
      // ~150 ms of CPU in one slice): refuse a claim over the bound before paying for it.
      const claim = deflatedStateClaim(m.type === 'delta' ? m.delta : m.state)
      if (claim !== undefined && claim > this.o.maxInflatedBytes) {
        return this.fail(out, s, 'too-large', `deflated state claims ${claim} bytes, over the ${this.o.maxInflatedBytes}-byte bound for a client's frame`)
      }
    }
    if (s.phase === 'hello') {
      if (m.type !== 'hello') return this.fail(out, s, 'unauthorized', `${m.type} before hello`)
      s.clientName = m.clientName
      if (this.o.authenticate) this.finishAuth(out, s, this.o.authenticate(m.token, m.clientName))
      else {
        s.phase = 'authenticating'
        out.push({ type: 'authenticate', conn: s.id, token: m.token, clientName: m.clientName })
      }
      return
    }
    this.dispatch(out, s, m)
  }

  private finishAuth(out: ServerEffect[], s: ServerSessionState<P>, result: AuthResult<P>): void {
    if (!result.ok) return this.fail(out, s, 'unauthorized', result.reason)
    s.phase = 'ready'
    s.principal = result.principal
    s.expiresAt = result.expiresAt
    if (this.expired(out, s, this.now)) return
    this.send(out, s.id, { type: 'welcome', peerId: s.id, limits: { maxFrameBytes: this.o.maxFrameBytes, maxMessageBytes: this.o.maxMessageBytes } })
    const queued = s.queued
    s.queued = []
    for (const f of queued) {
      if (s.phase !== 'ready') break
      this.process(out, s, f)
    }
  }

  private dispatch(out: ServerEffect[], s: ServerSessionState<P>, m: ProtocolMessage): void {
    switch (m.type) {
      case 'hello': // [HELLO-3] a repeated hello changes nothing
      case 'pong':
        return
      case 'ping':
        return this.send(out, s.id, { type: 'pong' })
      case 'error':
        out.push({ type: 'close', conn: s.id, code: 'normal', reason: `peer error: ${m.code}` })
        this.drop(out, s)
        return
      case 'subscribe':
        return this.onSubscribe(out, s, m.doc, m.vv)
      case 'unsubscribe': {
        const sd = s.docs.get(m.doc)
        if (sd) this.unsubscribe(out, s, sd)
        return
      }
      case 'delta':
      case 'heal': {
        const sd = this.subscription(out, s, m.doc)
        if (!sd) return
        if (!sd.canWrite) return this.refuse(out, s, 'read-only', 'this principal may not write this doc', m.doc)
        const bytes = m.type === 'delta' ? m.delta : m.state
        const seq = m.type === 'delta' ? m.seq : undefined
        this.withRoom(out, s, sd, (o, room) => this.onWrite(o, s, sd, room, bytes, seq))
        return
      }
      case 'digest': {
        const sd = this.subscription(out, s, m.doc)
        if (sd) this.withRoom(out, s, sd, (o, room) => this.onDigest(o, s, sd, room, m.vv, m.hash))
        return
      }
      case 'presence': {
        const sd = this.subscription(out, s, m.doc)
        if (sd) this.withRoom(out, s, sd, (o, room) => this.onPresence(o, s, room, m.state))
        return
      }
      case 'strong':
        return this.onStrong(out, s, m.id, m.request)
      case 'welcome':
      case 'sync':
      case 'ack':
      case 'strongResult':
      case 'strongError':
        return this.fail(out, s, 'bad-frame', `a client does not send ${m.type}`)
    }
  }

  /**
   * [STRONG-3] authorized per key like a doc (`write` to change, `read` to
   * read), checked like the backends check, bounded per connection; then one
   * `strong` effect. Refusals are answers, not errors: the connection stays.
   */
  private onStrong(out: ServerEffect[], s: ServerSessionState<P>, id: number, request: StrongRequest): void {
    if (s.strongInFlight?.has(id)) return this.fail(out, s, 'bad-frame', `strong request ${id} is already in flight`)
    const refuse = (failure: StrongFailure): void => this.send(out, s.id, { type: 'strongError', id, failure })
    if ((s.strongInFlight?.size ?? 0) >= this.o.maxStrongInFlight) {
      return refuse({ kind: 'unavailable', code: 'overloaded', message: `at most ${this.o.maxStrongInFlight} strong operations in flight per connection` })
    }
    const access = STRONG_READS.has(request.op) ? 'read' : 'write'
    if (!this.o.authorize(s.principal as P, request.key, access)) {
      const why = this.o.explainRefusal(s.principal as P, request.key, access)
      return refuse({ kind: 'forbidden', code: 'forbidden', message: why ?? `this principal may not ${access} ${JSON.stringify(request.key)}` })
    }
    const bad = strongInputProblem(request)
    if (bad) return refuse({ kind: 'bad-input', code: bad.code, message: bad.message })
    s.strongInFlight ??= new Set()
    s.strongInFlight.add(id)
    out.push({ type: 'strong', conn: s.id, id, request })
  }

  /** [SYNC-2] reply with exactly what the subscriber lacks and what the server has. */
  private onSubscribe(out: ServerEffect[], s: ServerSessionState<P>, doc: string, vv: VersionVector): void {
    const principal = s.principal as P
    if (!this.o.authorize(principal, doc, 'read')) {
      return this.refuse(out, s, 'forbidden', this.o.explainRefusal(principal, doc, 'read') ?? 'this principal may not read this doc', doc)
    }
    let sd = s.docs.get(doc)
    if (!sd) {
      if (s.docs.size >= this.o.maxDocsPerConnection) {
        return this.refuse(out, s, 'too-many-docs', `at most ${this.o.maxDocsPerConnection} docs per connection`, doc)
      }
      sd = { doc, canWrite: this.o.authorize(principal, doc, 'write'), acks: [], ackedSeq: 0, healKey: undefined, blocked: false }
      s.docs.set(doc, sd)
    }
    sd.blocked = false
    this.withRoom(out, s, sd, (o, room) => {
      room.subscribers.add(s.id)
      const d = room.doc!
      const has = d.versionVector()
      const delta = vvCovers(vv, has) ? EMPTY : d.encodeDeltaSince(vv)
      this.send(o, s.id, { type: 'sync', doc, vv: has, delta })
      for (const [conn, p] of room.presence ?? []) {
        if (conn !== s.id) this.send(o, s.id, { type: 'presence', doc, peerId: conn, state: p.state })
      }
    })
  }

  /**
   * [ACK-1] validate by joining into the doc, persist what is new, and owe an
   * ack once every persist so far is durable ([ACK-2]).
   */
  private onWrite(out: ServerEffect[], s: ServerSessionState<P>, sd: SessionDoc, room: Room, bytes: Uint8Array, seq: number | undefined): void {
    if (s.phase !== 'ready' || s.docs.get(room.id) !== sd) return
    // [CAUSAL-1] after a refusal, nothing more of this doc from this connection until it re-subscribes:
    // a later ack would otherwise cover the refused delta ([ACK-3]).
    if (sd.blocked) return
    const d = room.doc!
    const owner = this.o.replicaOwner(s.principal as P)
    if (bytes.length > 0) {
      let novel: boolean
      let info: DeltaInfo
      let bind: number[] = []
      try {
        // Per entry, not a copy of the whole vector: a write costs the same however many replicas the doc has seen.
        const counterOf = d.counterOf ? (r: number) => d.counterOf!(r) : vvLookup(d.versionVector())
        // A deflated state's ranges are inside its compressed body: binding needs the full inspect, which the join then reuses.
        let inspected: DeltaInfo | undefined
        if (owner !== undefined) {
          let ranges = readDeltaRanges(bytes)
          if (ranges === undefined) {
            inspected = this.o.docModel.inspectDelta(bytes)
            ranges = inspected.ranges
          }
          const bound = this.replicasToBind(room, ranges, counterOf, owner)
          if (typeof bound === 'string') {
            sd.blocked = true
            return this.refuse(out, s, 'replica-owned', bound, room.id)
          }
          bind = bound
        }
        const joined = this.joinOnce(room, d, bytes, counterOf) ?? this.inspectThenJoin(room, d, bytes, counterOf, inspected)
        if (typeof joined === 'string') {
          sd.blocked = true
          return this.refuse(out, s, 'missing-deps', `${joined}; re-subscribe and upload what the server lacks`, room.id)
        }
        info = joined
        novel = joined.novel
      } catch (e) {
        // Doc-scoped so the writer's client knows whose edits were refused; fatal, so the connection closes.
        if (e instanceof WeftDecodeError) return this.refuse(out, s, 'bad-frame', `undecodable delta: ${e.message}`, room.id)
        if (e instanceof WeftCausalBufferFullError) {
          // Nothing was applied; the client re-uploads on its next sync.
          return this.fail(out, s, 'internal', 'causal buffer full; reconnect to resync')
        }
        throw e
      }
      if (novel) {
        const id = this.nextPersistId++
        this.stats.persists++
        ;(room.inflight ??= new Set()).add(id)
        room.lastPersistId = id
        // [LIMIT-EMPTY-1] what was joined, without the empty sections it was sent with: stored and relayed
        // as sent, they would cost every later load and every subscriber their decode again.
        const stored = info.canonical ?? bytes
        // [FAN-1] collaborators get it before its commit, unless the store may refuse it ([BIND-1]) or an
        // earlier delta of the doc is held for that reason (fan-out keeps join order).
        const fanned = bind.length === 0 && room.held === 0
        if (!fanned) room.held++
        this.persists.set(id, { doc: room.id, conn: s.id, bytes: stored, fanned })
        if (owner === undefined) out.push({ type: 'persist', id, doc: room.id, bytes: stored, ranges: info.ranges })
        else {
          for (const replica of bind) (room.owners ??= new Map()).set(replica, owner)
          out.push({ type: 'persist', id, doc: room.id, bytes: stored, ranges: info.ranges, owner })
        }
        // After the persist effect, so the shell starts the commit before it writes to every socket.
        if (fanned) this.fanOutSoon(out, room, s.id, stored)
      }
    }
    if (seq !== undefined) {
      sd.acks.push({ seq, barrier: room.lastPersistId })
      this.flushAcks(out, s, sd, room)
    }
  }

  /**
   * [BIND-1] The replicas a write from `owner` binds: those it adds dots to
   * that nobody owns yet. A message instead when it adds dots to a replica
   * bound to someone else: then nothing may be joined. Only dots past the
   * doc's counter count (a heal carries everyone's known dots).
   */
  private replicasToBind(room: Room, ranges: readonly DotRange[], counterOf: (replica: number) => number, owner: string): number[] | string {
    const bind: number[] = []
    for (const r of ranges) {
      if (r.to <= counterOf(r.replica)) continue
      const bound = room.owners?.get(r.replica)
      if (bound === undefined) bind.push(r.replica)
      else if (bound !== owner) return `replica ${r.replica} is bound to another principal: this connection may not add its dots`
    }
    return bind
  }

  /**
   * [LIMIT-4] An incremental delta joined with one decode (`applyDeltaInspect`).
   * [CAUSAL-1] still holds: a doc whose causal buffer is empty buffers a delta
   * exactly when its dependencies are missing (the same test as
   * `missingDependency`), without touching the doc; the server then drops it
   * and refuses. Undefined when this path does not apply: a stand-in without
   * the methods, a doc with deltas already waiting, or a state ([HEAL-1]
   * needs the digest from before the join, and only states can heal).
   */
  private joinOnce(room: Room, d: SyncDoc, bytes: Uint8Array, counterOf: (replica: number) => number): AppliedDeltaInfo | string | undefined {
    if (!d.applyDeltaInspect || !d.discardPending || d.pendingCount !== 0 || isStateHeader(bytes)) return undefined
    let applied: AppliedDeltaInfo
    try {
      applied = d.applyDeltaInspect(bytes, SYNC_ORIGIN)
    } catch (e) {
      // With an empty buffer, "full" means it was about to wait: missing dependencies, nothing applied.
      if (!(e instanceof WeftCausalBufferFullError)) throw e
      return missingDependency(this.o.docModel.inspectDelta(bytes), counterOf) ?? 'the delta has missing dependencies'
    }
    if (d.pendingCount !== 0) {
      d.discardPending()
      return missingDependency(applied, counterOf) ?? 'the delta has missing dependencies'
    }
    // A delta whose dots were all known was a no-op, so the doc still answers as before it: refuse
    // it as the two-decode path would if it claims dependencies the server lacks.
    const missing = applied.novel ? undefined : missingDependency(applied, counterOf)
    if (missing !== undefined) return missing
    room.digestHash = undefined
    return applied
  }

  /**
   * The two-decode path: inspect (unless the caller already did, [BIND-1]), check [CAUSAL-1], take
   * the [HEAL-1] digest of a state, then join.
   */
  private inspectThenJoin(
    room: Room,
    d: SyncDoc,
    bytes: Uint8Array,
    counterOf: (replica: number) => number,
    inspected: DeltaInfo | undefined,
  ): AppliedDeltaInfo | string {
    const info = inspected ?? this.o.docModel.inspectDelta(bytes)
    const missing = missingDependency(info, counterOf)
    if (missing !== undefined) return missing
    let novel = info.ranges.some((r) => r.to > counterOf(r.replica))
    // [HEAL-1] a state whose dots are all known may still change the doc (that is what a heal is for):
    // then it is persisted and fanned out like a delta, so memory never holds what the store does not.
    const digestBefore = !novel && info.isState ? this.digestOf(room, d) : undefined
    d.applyDelta(bytes, SYNC_ORIGIN)
    room.digestHash = undefined
    if (digestBefore !== undefined && this.digestOf(room, d) !== digestBefore) novel = true
    return Object.assign(info, { novel })
  }

  private flushAcks(out: ServerEffect[], s: ServerSessionState<P>, sd: SessionDoc, room: Room): void {
    const upTo = takeAcks(sd, room)
    if (upTo === undefined || upTo <= sd.ackedSeq) return
    sd.ackedSeq = upTo
    this.stats.acks++
    this.send(out, s.id, { type: 'ack', doc: room.id, clientSeq: upTo, serverSeq: room.serverSeq })
  }

  /** `d.digest()`, cached per room until the next write. */
  private digestOf(room: Room, d: SyncDoc): string {
    const key = vvKey(d.versionVector())
    if (room.digestKey !== key || room.digestHash === undefined) {
      room.digestKey = key
      room.digestHash = d.digest()
    }
    return room.digestHash
  }

  /** [DIG-1] answer with our digest; [DIG-2] on divergence count, report and send our state once. */
  private onDigest(out: ServerEffect[], s: ServerSessionState<P>, sd: SessionDoc, room: Room, vv: VersionVector, hash: string): void {
    const d = room.doc!
    const mine = d.versionVector()
    const key = vvKey(mine)
    const ours = this.digestOf(room, d)
    this.send(out, s.id, { type: 'digest', doc: room.id, vv: mine, hash: ours })
    if (!vvEquals(mine, vv) || ours === hash) return
    this.stats.divergences++
    out.push({ type: 'divergence', conn: s.id, doc: room.id, vv: mine, serverHash: ours, clientHash: hash })
    if (sd.healKey === key) return
    sd.healKey = key
    this.stats.heals++
    this.send(out, s.id, { type: 'heal', doc: room.id, state: d.encodeState() })
  }

  /** [PRES-2] relay with the sender's id stamped by the server; never stored beyond memory. */
  private onPresence(out: ServerEffect[], s: ServerSessionState<P>, room: Room, state: JsonValue | null): void {
    if (state === null) return this.clearPresence(out, room, s.id)
    // [PRES-5] measured without recursion: a deep state must not overflow the stack (JSON.stringify would).
    const violation = jsonBoundsViolation(state, { maxDepth: this.o.maxPresenceDepth, maxBytes: this.o.maxPresenceBytes })
    if (violation !== undefined) {
      const what = violation === 'too-deep' ? `nested deeper than ${this.o.maxPresenceDepth}` : `above ${this.o.maxPresenceBytes} bytes`
      return this.fail(out, s, 'too-large', `presence ${what}`)
    }
    ;(room.presence ??= new Map()).set(s.id, { state, expiresAt: this.now + this.o.presenceTimeoutMs })
    this.presenceRooms.add(room)
    this.broadcast(out, room, s.id, { type: 'presence', doc: room.id, peerId: s.id, state })
  }

  private clearPresence(out: ServerEffect[], room: Room, conn: ConnectionId): void {
    if (!room.presence?.delete(conn)) return
    if (room.presence.size === 0) {
      room.presence = undefined
      this.presenceRooms.delete(room)
    }
    this.broadcast(out, room, conn, { type: 'presence', doc: room.id, peerId: conn, state: null })
  }

  // ---- rooms and sessions ----

  private subscription(out: ServerEffect[], s: ServerSessionState<P>, doc: string): SessionDoc | undefined {
    const sd = s.docs.get(doc)
    if (!sd) this.refuse(out, s, 'not-subscribed', 'subscribe to the doc first', doc)
    return sd
  }

  /**
   * Runs `fn` for session `s` with the loaded room, loading it first when
   * needed ([STORE-1]). Queued until the load finishes, it runs only if `s` is
   * still subscribed to the doc then ([ROOM-1]): a connection that left
   * meanwhile must not be put back into the room. An unexpected exception
   * fails `s` with `internal` and touches nobody else ([ROOM-2]).
   */
  private withRoom(out: ServerEffect[], s: ServerSessionState<P>, sd: SessionDoc, fn: (out: ServerEffect[], room: Room) => void): void {
    const doc = sd.doc
    const loaded = this.rooms.get(doc)
    if (loaded?.doc) return this.guarded(out, s, () => fn(out, loaded))
    let room = loaded
    if (!room) {
      room = newRoom(doc)
      this.rooms.set(doc, room)
      out.push({ type: 'load', doc })
    }
    const r = room
    r.waiting.push(() => {
      if (this.rooms.get(doc) !== r || this.sessions.get(s.id) !== s || s.phase !== 'ready' || s.docs.get(doc) !== sd) return
      this.guarded(this.deferred, s, () => fn(this.deferred, r))
    })
  }

  private guarded(out: ServerEffect[], s: ServerSessionState<P>, fn: () => void): void {
    try {
      fn()
    } catch (e) {
      if (s.phase === 'closed') return
      this.fail(out, s, 'internal', `the server failed on this frame: ${e instanceof Error ? e.message : String(e)}`)
    }
  }

  private isolated(fn: () => void): void {
    try {
      fn()
    } catch {
      // `guarded` already failed the session concerned; nothing else may be lost to it.
    }
  }

  private unsubscribe(out: ServerEffect[], s: ServerSessionState<P>, sd: SessionDoc): void {
    s.docs.delete(sd.doc)
    const room = this.rooms.get(sd.doc)
    if (!room) return
    room.subscribers.delete(s.id)
    this.clearPresence(out, room, s.id)
    this.maybeUnload(out, room)
  }

  private maybeUnload(out: ServerEffect[], room: Room): void {
    if (this.rooms.get(room.id) !== room) return
    if (!room.doc || room.subscribers.size > 0 || (room.inflight?.size ?? 0) > 0 || room.waiting.length > 0) return
    this.rooms.delete(room.id)
    out.push({ type: 'unload', doc: room.id })
  }

  /** Forget a room whose memory cannot be trusted; every subscriber is told to resubscribe. */
  private resetRoom(out: ServerEffect[], room: Room, why: string, refusedWriter?: ConnectionId): void {
    this.rooms.delete(room.id)
    this.presenceRooms.delete(room)
    for (const id of room.inflight ?? []) this.persists.delete(id)
    const conns = new Set(room.subscribers)
    for (const s of this.sessions.values()) if (s.docs.has(room.id)) conns.add(s.id)
    for (const c of conns) {
      const s = this.sessions.get(c)
      if (!s) continue
      s.docs.delete(room.id)
      if (c === refusedWriter) this.refuse(out, s, 'replica-owned', 'a replica of this write is bound to another principal', room.id)
      else this.refuse(out, s, 'unavailable', why, room.id)
    }
    out.push({ type: 'unload', doc: room.id })
  }

  private drop(out: ServerEffect[], s: ServerSessionState<P>): void {
    for (const sd of [...s.docs.values()]) this.unsubscribe(out, s, sd)
    s.phase = 'closed'
    this.sessions.delete(s.id)
  }

  /** A non-fatal refusal: error frame, nothing applied, the connection stays ([ERR-1]). */
  private refuse(out: ServerEffect[], s: ServerSessionState<P>, code: SyncErrorCode, message: string, doc?: string): void {
    if (doc === undefined) {
      out.push({ type: 'refused', conn: s.id, code, message })
      this.send(out, s.id, { type: 'error', code, message })
    } else {
      out.push({ type: 'refused', conn: s.id, code, message, doc })
      this.send(out, s.id, { type: 'error', code, message, doc })
    }
    if (isFatalSyncErrorCode(code)) this.closeSession(out, s, code, message)
  }

  /** [ERR-2] a fatal error: error frame, close, nothing applied. */
  private fail(out: ServerEffect[], s: ServerSessionState<P>, code: SyncErrorCode, message: string): void {
    this.refuse(out, s, code, message)
    if (!isFatalSyncErrorCode(code)) this.closeSession(out, s, code, message)
  }

  private closeSession(out: ServerEffect[], s: ServerSessionState<P>, code: SyncErrorCode, message: string): void {
    out.push({ type: 'close', conn: s.id, code, reason: message })
    this.drop(out, s)
  }

  /**
   * [FAN-1] At once while no other commit of the doc is in flight; otherwise with the next one that
   * completes, so the deltas that arrive during a commit leave together (one write per subscriber, as
   * group commit batches them) and none waits longer than it would for its own commit.
   */
  private fanOutSoon(out: ServerEffect[], room: Room, writer: ConnectionId, delta: Uint8Array): void {
    if (room.fanQueue !== undefined || room.inflight!.size > 1) (room.fanQueue ??= []).push({ writer, bytes: delta })
    else this.fanOut(out, room, writer, delta, 0)
  }

  /** [FAN-1] a joined delta to every subscriber but its writer; `seq` 0 before the commit ([SYNC-4]). */
  private fanOut(out: ServerEffect[], room: Room, writer: ConnectionId | undefined, delta: Uint8Array, seq: number): void {
    const to = [...room.subscribers].filter((c) => c !== writer)
    if (to.length === 0) return
    this.stats.fanouts++
    this.pushBroadcast(out, room.id, to, { type: 'delta', doc: room.id, seq, delta })
  }

  private broadcast(out: ServerEffect[], room: Room, except: ConnectionId, m: Extract<ProtocolMessage, { type: 'presence' }>): void {
    const to = [...room.subscribers].filter((c) => c !== except)
    if (to.length > 0) this.pushBroadcast(out, room.id, to, m)
  }

  /**
   * [PART-1] a frame above the frame limit goes out as parts, back to back. Protocol-1 connections share
   * one frame; each protocol-2 connection gets one written with its tables, shared with every connection
   * whose tables name the same things the same way ([WIRE-1]).
   */
  private pushBroadcast(out: ServerEffect[], doc: string, to: ConnectionId[], m: Extract<ProtocolMessage, { type: 'delta' | 'presence' }>): void {
    const groups = new Map<Uint8Array | 'v1', ConnectionId[]>()
    let compact: BroadcastFrames | undefined
    for (const conn of to) {
      const wire = this.sessions.get(conn)?.wire
      const key = wire === undefined ? 'v1' : (compact ??= new BroadcastFrames(m)).frameFor(wire.out)
      const group = groups.get(key)
      if (group === undefined) groups.set(key, [conn])
      else group.push(conn)
    }
    for (const [key, conns] of groups) {
      for (const frame of splitFrame(key === 'v1' ? encodeMessage(m) : key, this.o.maxFrameBytes))
        out.push({ type: 'broadcast', doc, to: conns, frame, message: m.type })
    }
  }

  private send(out: ServerEffect[], conn: ConnectionId, m: ProtocolMessage): void {
    const wire = this.sessions.get(conn)?.wire
    for (const frame of splitFrame(encodeMessage(m, wire?.out), this.o.maxFrameBytes)) out.push({ type: 'send', conn, frame })
  }
}

function vvLookup(vv: VersionVector): (replica: number) => number {
  return (replica) => vv[replica] ?? 0
}
