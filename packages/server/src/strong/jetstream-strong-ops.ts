/**
 * StrongOps on NATS JetStream KV with (by default) three replicas: the
 * bucket's stream is replicated by JetStream's Raft, and every operation is
 * decided by one conditional write through that log:
 *
 *   S = the stream's last sequence (STREAM.INFO, from the leader's applied
 *   state) -> read the key's last entry and revision r -> compute the next
 *   state and the result (strong-semantics) -> publish it expecting BOTH
 *   "last sequence of the stream = S" and "last sequence of this key = r"
 *   -> on "wrong last sequence", start over.
 *
 * Why both. On nats-server before 2.9.21 the per-key expectation alone
 * (`kv.update(key, value, revision)`) is only a pre-check on the leader, not
 * part of the Raft proposal, so concurrent updates with the same revision can
 * all succeed (nats-server issue 4320; we saw 10 of 10 succeed on 2.9.10 with
 * R=3). The stream-wide expectation is checked against the sequence of
 * everything proposed, under the leader's proposal lock, so it does
 * serialize; and once it holds, nothing was proposed after S, everything up
 * to S was applied when S was read, so the leader's per-key check is exact.
 * The price: every op on a bucket is serialized with every other (ops on
 * different keys can conflict and retry), and one extra round trip.
 *
 * A successful conditional write is what makes an op linearizable: the state
 * computed from was the current one at its commit. That is why reads are
 * writes too (the same value written back): a read answered from one
 * server's copy (a direct get from a follower, or a leader deposed without
 * knowing it yet) can be stale, and JetStream 2.9 has no read index or
 * leader lease to rule that out. A read therefore costs one Raft round.
 *
 * Outcomes: a write that the cluster refused (no leader, no responders, any
 * API error) did not happen -> WeftUnavailableError; a write sent but never
 * answered (timeout, connection lost) may commit later -> WeftOutcomeUnknownError.
 * Nothing is ever buffered for later: an op while disconnected is refused at once.
 */
import { JetStreamApiCodes, JetStreamApiError, type JetStreamClient, type JetStreamManager, jetstream, type StreamInfo } from '@nats-io/jetstream'
import { type KV, type KvEntry, Kvm } from '@nats-io/kv'
import { connect, type NatsConnection, NoRespondersError, RequestError, type Subscription, TimeoutError } from '@nats-io/transport-node'
import { type StrongRequest, type StrongResult, claimResultOf, counterResultOf, registerResultOf, strongInputProblem } from '@weft/crdt-core'
import { forwardSubject, forwardToLeader, serveForwardedOps } from './leader-forwarding.js'
import { WeftOutcomeUnknownError, WeftStrongInputError, WeftUnavailableError } from './strong-errors.js'
import { canonicalJson, checkAdd, parseValue } from './strong-input.js'
import type { ClaimResult, CounterBounds, CounterResult, RegisterResult, StrongOps, StrongValue } from './strong-ops.js'
import { addStep, casStep, claimStep, releaseStep, type Step } from './strong-semantics.js'

export interface JetStreamStrongOpsOptions {
  /**
   * NATS URLs to connect to, in order of preference: list the server of this
   * node's own region first (the client tries them in this order, and every
   * op makes three round trips through the server it is connected to; a
   * random pick could put a WAN link under each of them). Ignored when
   * `connection` is given.
   */
  readonly servers?: string | readonly string[]
  /** A connection to share (not closed by `close`). */
  readonly connection?: NatsConnection
  /** KV bucket name (default `weft_strong`); one bucket holds claims, registers and counters. */
  readonly bucket?: string
  /** Replicas of the bucket when it is created (default 3: survives the loss of any one server). */
  readonly replicas?: number
  /** Deadline in ms of each request to the cluster (default 5,000). */
  readonly timeoutMs?: number
  /** Revision conflicts retried per op before giving up with 'contention' (default 100). */
  readonly maxRetries?: number
  /**
   * Run each op at a weft node connected to the stream leader's server, when
   * one serves it ([STRONG-FAIR-1], leader-forwarding.ts), so ops from every
   * region get the same short read-to-write window (default true).
   */
  readonly forwardToLeader?: boolean
  /**
   * How long `open` waits for a cluster that is reachable but not ready: no
   * JetStream meta leader yet, too few servers up for the replicas, requests
   * unanswered (default 30,000 ms). A cluster started beside this node elects
   * its leaders within seconds; failing at once made the node exit.
   */
  readonly startupWaitMs?: number
  /** Told once per distinct reason while `open` waits (e.g. to log it). */
  readonly onWaiting?: (reason: string) => void
}

type Kind = 'c' | 'r' | 'n'

/**
 * @example
 * ```ts
 * const ops = await JetStreamStrongOps.open({ servers: ['nats://a:4222', 'nats://b:4222', 'nats://c:4222'] })
 * await ops.add('seats:flight-7', 1, { max: 10 })
 * await ops.close()
 * ```
 */
export class JetStreamStrongOps implements StrongOps {
  /** Ops that started over after a revision conflict (for metrics and tests). */
  revisionConflicts = 0
  /** Ops this node handed to the node at the leader, and ops it ran for other nodes (for metrics and tests). */
  forwarded = 0
  servedForOthers = 0
  private closed = false
  private connected = true
  /** The stream leader's server name, as the last decide (here or at the node that ran it) saw it. */
  private leader: string | undefined
  /** Decides run one at a time on this node: they would conflict on the bucket's last sequence anyway. */
  private queue: Promise<unknown> = Promise.resolve()
  private serving: { server: string; sub: Subscription } | undefined

  private constructor(
    private readonly nc: NatsConnection,
    private readonly ownsConnection: boolean,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly kv: KV,
    private readonly bucket: string,
    private readonly maxRetries: number,
    private readonly timeoutMs: number,
    private readonly forwarding: boolean,
  ) {
    void this.watchStatus()
    if (forwarding) this.serve()
  }

  /**
   * Connects and creates the bucket if missing (R = `replicas`); rejects with
   * WeftUnavailableError('unreachable') when the cluster cannot be reached or
   * has no JetStream quorum to create it.
   */
  static async open(options: JetStreamStrongOpsOptions): Promise<JetStreamStrongOps> {
    const timeout = options.timeoutMs ?? 5_000
    let nc: NatsConnection | undefined = options.connection
    try {
      // Reconnects are the client's job; ops issued while disconnected are refused, never queued.
      // Pings every 2 s so a frozen or cut-off server is noticed and left within seconds, not the default minutes.
      nc ??= await connect({
        servers: options.servers as string | string[],
        timeout,
        maxReconnectAttempts: -1,
        reconnectTimeWait: 250,
        // In the order given (nats.js shuffles by default): the caller lists its own region's server first.
        noRandomize: true,
        pingInterval: 2_000,
        maxPingOut: 2,
      })
      const js = jetstream(nc, { timeout })
      const kvm = new Kvm(js)
      const bucket = options.bucket ?? 'weft_strong'
      // allow_direct false: gets go to the stream leader, so they are rarely stale and conflicts stay rare
      // (correctness does not depend on it: every op is checked by its conditional write).
      const waiting = startupWait(options.startupWaitMs ?? 30_000, options.onWaiting)
      const kv = await waiting(() => kvm.create(bucket, { replicas: options.replicas ?? 3, history: 1, allow_direct: false, maxValueSize: 80 * 1024 }))
      const jsm = await waiting(() => js.jetstreamManager())
      // An expected last sequence of 0 is not checked by the server: make sure the stream is never empty.
      const info = await waiting(() => jsm.streams.info(`KV_${bucket}`))
      if (info.state.last_seq === 0) await waiting(() => kv.put('_init', '1')) // the new stream may still be electing its leader
      const forwarding = options.forwardToLeader ?? true
      const ops = new JetStreamStrongOps(nc, options.connection === undefined, js, jsm, kv, bucket, options.maxRetries ?? 100, timeout, forwarding)
      // Known from the start, so that the first op is already forwarded.
      ops.leader = info.cluster?.leader
      return ops
    } catch (e) {
      if (nc && !options.connection) await nc.close().catch(() => {})
      throw new WeftUnavailableError(
        'unreachable',
        `cannot open strong operations on NATS JetStream (${describe(e)}): check the URLs and that JetStream runs with enough servers for the replicas`,
        { cause: e },
      )
    }
  }

  async claim(name: string, owner: string): Promise<ClaimResult> {
    return claimResultOf(await this.call({ op: 'claim', key: name, owner }))
  }

  async release(name: string, owner: string): Promise<ClaimResult> {
    return claimResultOf(await this.call({ op: 'release', key: name, owner }))
  }

  async readClaim(name: string): Promise<ClaimResult> {
    return claimResultOf(await this.call({ op: 'readClaim', key: name }))
  }

  async compareAndSet(key: string, expected: StrongValue, next: StrongValue): Promise<RegisterResult> {
    return registerResultOf(await this.call({ op: 'compareAndSet', key, expected, next }))
  }

  async read(key: string): Promise<RegisterResult> {
    return registerResultOf(await this.call({ op: 'read', key }))
  }

  async add(counter: string, n: number, bounds?: CounterBounds): Promise<CounterResult> {
    const { min, max } = checkAdd(n, bounds)
    return counterResultOf(await this.call({ op: 'add', key: counter, n, min, max }))
  }

  async readCounter(counter: string): Promise<CounterResult> {
    return counterResultOf(await this.call({ op: 'readCounter', key: counter }))
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.serving?.sub.unsubscribe()
    if (this.ownsConnection) await this.nc.close()
  }

  /** Checks the input, then runs the op at the leader's node ([STRONG-FAIR-1]) or here. */
  private async call(request: StrongRequest): Promise<StrongResult> {
    throwIfBad(request)
    let noResponders = false
    for (;;) {
      const leader = this.leaderElsewhere()
      if (leader !== undefined && !noResponders) {
        let forwarded: Awaited<ReturnType<typeof forwardToLeader>>
        try {
          forwarded = await forwardToLeader(this.nc, forwardSubject(this.bucket, leader), request, this.timeoutMs)
        } catch (e) {
          // The leader may have moved or been cut off: the next op runs here and learns where it is now.
          if (!(e instanceof WeftStrongInputError)) this.leader = undefined
          throw e
        }
        if (forwarded) {
          this.forwarded++
          this.leader = forwarded.leader
          return forwarded.result
        }
        // No weft node serves the leader's server: nothing was sent, run it here.
        noResponders = true
      }
      try {
        return await this.queued(request, undefined, this.forwarding && !noResponders)
      } catch (e) {
        // Lost a race here and learned the leader is elsewhere (nothing was written): hand it over instead.
        if (e instanceof LeaderElsewhere) continue
        throw e
      }
    }
  }

  /** The stream leader's server when forwarding applies and it is not the one this node is connected to. */
  private leaderElsewhere(): string | undefined {
    const here = this.nc.info?.server_name
    if (!this.forwarding || !this.connected || this.closed || here === undefined || this.leader === here) return undefined
    return this.leader
  }

  /** Runs `request` here after the decides queued before it; `budgetMs`: refuse it if it waited longer (its caller gave up). */
  private queued(request: StrongRequest, budgetMs: number | undefined, yieldToLeader: boolean): Promise<StrongResult> {
    const queuedAt = Date.now()
    const run = this.queue.then(() => {
      if (budgetMs !== undefined && Date.now() - queuedAt > budgetMs) {
        throw new WeftUnavailableError('timeout', `waited ${Date.now() - queuedAt} ms behind other ops at the leader's node; its caller has given up`)
      }
      return this.execute(request, yieldToLeader)
    })
    this.queue = run.catch(() => undefined)
    return run
  }

  /** Takes ops other nodes forward to the JetStream server this node is connected to (again after a reconnect elsewhere). */
  private serve(): void {
    const server = this.nc.info?.server_name
    if (server === undefined || this.serving?.server === server || this.closed) return
    this.serving?.sub.unsubscribe()
    const sub = serveForwardedOps(
      this.nc,
      forwardSubject(this.bucket, server),
      (request, budgetMs) => {
        this.servedForOthers++
        throwIfBad(request)
        return this.queued(request, budgetMs, false)
      },
      () => this.leader,
    )
    this.serving = { server, sub }
  }

  private execute(r: StrongRequest, y: boolean): Promise<StrongResult> {
    switch (r.op) {
      case 'claim':
        return this.decide('c', r.key, decodeHolder, (h) => claimStep(h, r.owner), JSON.stringify, y).then((x) => ({ kind: 'claim', ...x }))
      case 'release':
        return this.decide('c', r.key, decodeHolder, (h) => releaseStep(h, r.owner), JSON.stringify, y).then((x) => ({ kind: 'claim', ...x }))
      case 'readClaim':
        return this.decide('c', r.key, decodeHolder, (h) => ({ next: h, result: { holder: h } }), JSON.stringify, y).then((x) => ({ kind: 'claim', ...x }))
      case 'compareAndSet': {
        const e = canonicalJson(r.expected)
        const n = canonicalJson(r.next)
        return this.decide('r', r.key, decodeText, (current) => casStep(current, e, n, parseValue), identity, y).then((x) => ({ kind: 'register', ...x }))
      }
      case 'read':
        return this.decide('r', r.key, decodeText, (current) => ({ next: current, result: { value: parseValue(current) } }), identity, y).then((x) => ({
          kind: 'register',
          ...x,
        }))
      case 'add':
        return this.decide('n', r.key, decodeNumber, (v) => addStep(v, { n: r.n, min: r.min, max: r.max }), String, y).then((x) => ({ kind: 'counter', ...x }))
      case 'readCounter':
        return this.decide('n', r.key, decodeNumber, (v) => ({ next: v, result: { value: v } }), String, y).then((x) => ({ kind: 'counter', ...x }))
    }
  }

  /** Read, step, conditional write; start over on a revision conflict. */
  private async decide<S, R>(
    kind: Kind,
    key: string,
    decode: (e: KvEntry | null) => S,
    step: (s: S) => Step<S, R>,
    encode: (s: S) => string,
    yieldToLeader: boolean,
  ): Promise<R> {
    const kvKey = `${kind}.${Buffer.from(key, 'utf8').toString('base64url')}`
    for (let attempt = 0; attempt <= this.maxRetries; attempt++) {
      if (this.closed) throw new WeftUnavailableError('closed', 'this StrongOps was closed')
      if (!this.connected || this.nc.isClosed()) throw new WeftUnavailableError('unreachable', 'not connected to NATS')
      let last: number
      let entry: KvEntry | null
      try {
        const info = await this.jsm.streams.info(`KV_${this.bucket}`)
        last = info.state.last_seq
        this.leader = info.cluster?.leader
        if (!hasLiveMajority(info)) throw new Error(`the stream leader ${info.cluster?.leader ?? '(none)'} has not heard from a majority of replicas lately`)
        entry = await this.kv.get(kvKey)
      } catch (e) {
        // Nothing was written yet: whatever failed, the op did not happen.
        throw new WeftUnavailableError('no-quorum', `cannot read the current value from the JetStream cluster (${describe(e)})`, { cause: e })
      }
      const { next, result } = step(decode(entry))
      try {
        await this.js.publish(`$KV.${this.bucket}.${kvKey}`, encode(next), { expect: { lastSequence: last, lastSubjectSequence: entry?.revision ?? 0 } })
        return result
      } catch (e) {
        if (e instanceof JetStreamApiError && e.code === JetStreamApiCodes.StreamWrongLastSequence) {
          this.revisionConflicts++
          if (yieldToLeader && this.leaderElsewhere() !== undefined) throw new LeaderElsewhere()
          await sleep(Math.random() * Math.min(20, attempt))
          continue
        }
        throw classifyWriteError(e)
      }
    }
    throw new WeftUnavailableError('contention', `gave up after ${this.maxRetries + 1} revision conflicts on one key`)
  }

  private async watchStatus(): Promise<void> {
    for await (const s of this.nc.status()) {
      if (s.type === 'disconnect') this.connected = false
      else if (s.type === 'reconnect') {
        this.connected = true
        if (this.forwarding) this.serve()
      }
    }
  }
}

/** "JetStream system temporarily unavailable" (no meta or stream leader yet). */
const JETSTREAM_NOT_AVAILABLE = 10008

/** JetStream's "insufficient resources": fewer servers up than the replicas asked for. */
const INSUFFICIENT_RESOURCES = 10023

/** Why a request made while opening may succeed if retried (the cluster is still starting), or undefined. */
function notReadyYet(e: unknown): string | undefined {
  if (causes(e).some((c) => c instanceof TimeoutError)) return 'JetStream did not answer (no meta leader elected yet?)'
  if (isNoResponders(e)) return 'JetStream is not answering yet'
  if (e instanceof JetStreamApiError && e.code === JETSTREAM_NOT_AVAILABLE) return 'JetStream is not available yet'
  if (e instanceof JetStreamApiError && e.code === INSUFFICIENT_RESOURCES) return 'too few JetStream servers are up for the replicas'
  return undefined
}

/**
 * Runs each step of `open`, retrying while the cluster is not ready, until
 * one deadline shared by all steps; each distinct reason is reported once.
 * Retrying is safe: open() is not a strong op, and creating a bucket that
 * exists with the same config is a no-op.
 */
function startupWait(waitMs: number, onWaiting: ((reason: string) => void) | undefined) {
  const deadline = Date.now() + waitMs
  const told = new Set<string>()
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    for (;;) {
      try {
        return await fn()
      } catch (e) {
        const reason = notReadyYet(e)
        if (reason === undefined || Date.now() > deadline) throw e
        if (!told.has(reason)) {
          told.add(reason)
          onWaiting?.(reason)
        }
        await sleep(250)
      }
    }
  }
}

/** Replicas heard from within this many ns count as live (Raft heartbeats run every second or so). */
const LIVE_REPLICA_NS = 2_500_000_000

/**
 * Whether the leader answering STREAM.INFO has heard from a majority lately.
 * Not needed for safety (the conditional write decides), but a leader cut off
 * in a minority would otherwise take the write and time out, leaving its
 * outcome unknown; refusing first makes the answer a clean "did not happen".
 */
function hasLiveMajority(info: StreamInfo): boolean {
  const replicas = info.cluster?.replicas ?? []
  if (info.cluster?.leader === undefined) return false
  const live = 1 + replicas.filter((r) => r.current && !r.offline && r.active < LIVE_REPLICA_NS).length
  return live > (replicas.length + 1) / 2
}

/** A failed conditional write: refused (did not happen) or unanswered (may have happened). */
function classifyWriteError(e: unknown): Error {
  // An API error is the leader's answer: it did not store the message.
  if (e instanceof JetStreamApiError) return new WeftUnavailableError('no-quorum', `the JetStream cluster refused the write (${describe(e)})`, { cause: e })
  // No server subscribes to the stream's subjects: there is no leader to take the write.
  if (isNoResponders(e)) return new WeftUnavailableError('no-quorum', 'no JetStream leader for the bucket right now', { cause: e })
  if (e instanceof TimeoutError) return new WeftOutcomeUnknownError('timeout', 'the JetStream cluster did not answer the write in time', { cause: e })
  return new WeftOutcomeUnknownError('connection-lost', `the write was sent but failed before its answer (${describe(e)})`, { cause: e })
}

/** An error and the chain of its causes. */
function causes(e: unknown): Error[] {
  const chain: Error[] = []
  for (let c: unknown = e; c instanceof Error && chain.length < 10; c = c.cause) chain.push(c)
  return chain
}

function isNoResponders(e: unknown): boolean {
  return causes(e).some((c) => c instanceof NoRespondersError || (c instanceof RequestError && c.isNoResponders()))
}

function decodeHolder(e: KvEntry | null): string | null {
  return e?.operation === 'PUT' && e.length > 0 ? (JSON.parse(e.string()) as string | null) : null
}

function decodeText(e: KvEntry | null): string {
  return e?.operation === 'PUT' && e.length > 0 ? e.string() : 'null'
}

function decodeNumber(e: KvEntry | null): number {
  return e?.operation === 'PUT' && e.length > 0 ? Number(e.string()) : 0
}

function identity(s: string): string {
  return s
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message || e.name : String(e)
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** A decide that lost a race here while the leader is elsewhere: nothing was written, forward it instead. */
class LeaderElsewhere extends Error {}

/** The input checks every side makes ([STRONG-3]), before anything is sent and again where a forwarded op runs. */
function throwIfBad(request: StrongRequest): void {
  const bad = strongInputProblem(request)
  if (bad) throw bad
}
