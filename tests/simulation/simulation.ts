import { Doc } from '@weft/crdt-core'
import type { ClientEffect, ServerEffect } from '@weft/crdt-core'
import { Network, isDuplicable } from './network.js'
import type { Conn } from './network.js'
import { Prng } from './prng.js'
import { SimClient } from './sim-client.js'
import { SimServer } from './sim-server.js'
import type { DurableLog } from './sim-server.js'

/** Knobs of one simulated run. */
export interface SimConfig {
  readonly clients: number
  /** Docs every client syncs over its one connection. */
  readonly docs: number
  /** Server nodes over one durable store; each seed draws 1..servers. */
  readonly servers: number
  readonly opsPerClient: number
  /** Rounds allowed to settle after the network heals. */
  readonly maxSettleRounds: number
  /** Fault probabilities per step. */
  readonly faults: {
    drop: number
    duplicate: number
    partition: number
    crashClient: number
    crashServer: number
    wipeClient: number
    /** A store write or read that fails (the server then refuses with `unavailable`). */
    storeError: number
  }
}

export const DEFAULT_CONFIG: SimConfig = {
  clients: 5,
  docs: 2,
  servers: 2,
  opsPerClient: 300,
  maxSettleRounds: 40,
  faults: { drop: 0.004, duplicate: 0.01, partition: 0.002, crashClient: 0.001, crashServer: 0.0005, wipeClient: 0.0003, storeError: 0.003 },
}

/** What a run observed; `problems` is empty when every check passed. */
export interface SimResult {
  readonly seed: number
  readonly problems: string[]
  readonly steps: number
  readonly settleRounds: number
  readonly stats: Record<string, number>
  /** The durable store at the end: per doc, deltas in seq order (for audits of what a run stored). */
  readonly log: ReadonlyMap<string, readonly Uint8Array[]>
}

/**
 * Text pieces typed by simulated users. The emoji is two UTF-16 units, so
 * deletes sometimes split it: lone surrogates must still converge (WTF-8).
 */
const TEXT_PIECES = ['a', 'bc', 'def', 'é', '中', '🙂']

interface OpRecord {
  readonly id: string
  readonly client: number
  readonly doc: string
  readonly epoch: number
  readonly seq: number
}

/** Runs one seeded schedule and checks convergence, durability and quiescence. */
export function runSimulation(seed: number, config: SimConfig = DEFAULT_CONFIG): SimResult {
  return new Simulation(seed, config).run()
}

class Simulation {
  private readonly rng: Prng
  private readonly net = new Network()
  private readonly clients: SimClient[]
  private readonly docIds: string[]
  private readonly servers: SimServer[]
  private readonly log: DurableLog = new Map()
  /** Durable deltas on their way to the other nodes ([FAN-2]); reliable, FIFO, delayed. */
  private bus: { node: SimServer; doc: string; delta: Uint8Array; seq: number }[] = []
  private now = 0
  private readonly ops: OpRecord[] = []
  private readonly acked = new Set<string>()
  /** Doc and counter increment of every op id ever made (including ops later lost in a crash). */
  private readonly opDoc = new Map<string, string>()
  private readonly opInc = new Map<string, number>()
  private readonly problems: string[] = []
  private readonly stats: Record<string, number> = {
    drops: 0,
    duplicates: 0,
    partitions: 0,
    clientCrashes: 0,
    clientWipes: 0,
    serverCrashes: 0,
    frames: 0,
    refused: 0,
    divergences: 0,
    twoNodeRuns: 0,
    storeErrors: 0,
    unavailable: 0,
    relayed: 0,
  }
  private opCounter = 0
  private chaos = true
  /** Per-seed scaling of the fault rates, so schedules range from calm to stormy. */
  private readonly intensity: number
  /** Per-seed share of steps that complete storage writes (slow vs fast disks). */
  private readonly storageShare: number
  /** Per-seed largest delivery burst (a slow or a fast network). */
  private readonly burst: number

  constructor(
    readonly seed: number,
    private readonly config: SimConfig,
  ) {
    this.rng = new Prng(seed)
    this.intensity = 0.25 + this.rng.next() * 3
    this.storageShare = 0.05 + this.rng.next() * 0.25
    this.burst = 1 + this.rng.int(12)
    const nodes = 1 + this.rng.int(config.servers)
    if (nodes > 1) this.stats.twoNodeRuns = 1
    this.servers = Array.from({ length: nodes }, (_, i) => new SimServer(i, this.log, this.rng, (n, e) => this.serverEffects(n, e)))
    this.docIds = Array.from({ length: config.docs }, (_, i) => `doc-${i}`)
    this.clients = Array.from({ length: config.clients }, (_, i) => new SimClient(i, this.docIds, (c, e) => this.clientEffects(c, e)))
  }

  run(): SimResult {
    for (const n of this.servers) n.start()
    for (const c of this.clients) c.start(() => this.rng.id53(), this.now)
    const total = this.config.clients * this.config.opsPerClient
    let steps = 0
    while (this.opCounter < total) {
      steps++
      this.step()
    }
    const settleRounds = this.settle()
    if (this.problems.length === 0) this.check()
    return { seed: this.seed, problems: this.problems, steps, settleRounds, stats: this.stats, log: this.log }
  }

  // ---- chaos phase ----

  private step(): void {
    const r = this.rng
    this.now += 1 + r.int(20)
    const f = this.config.faults
    const k = this.intensity
    if (r.chance(f.crashServer * k)) return this.crashServer(r.pick(this.servers))
    if (r.chance(f.crashClient * k)) return this.crashClient(r.pick(this.clients))
    if (r.chance(f.wipeClient * k)) return this.wipeClient(r.pick(this.clients))
    if (r.chance(f.partition * k)) {
      const c = r.pick(this.clients)
      this.stats.partitions!++
      c.partitionedUntil = this.now + 500 + r.int(5000)
      if (c.conn) this.kill(c.conn)
      return
    }
    if (r.chance(f.drop * k)) {
      const busy = this.net.busy()
      if (busy.length > 0) {
        this.stats.drops!++
        this.kill(r.pick(busy)[0])
      }
      return
    }
    this.restartAndReconnect(0.05)
    const x = r.next()
    if (x < 0.3) this.localOp(r.pick(this.clients))
    else if (x < 0.34) this.deliverBus()
    else if (x < 0.9 - this.storageShare) this.deliverSome()
    else if (x < 0.9) this.completeStorage()
    else this.tickOne()
  }

  private localOp(c: SimClient): void {
    if (!c.session) return
    const r = this.rng
    // The first doc gets most of the traffic.
    const docId = r.chance(0.7) ? this.docIds[0]! : r.pick(this.docIds)
    const doc = c.docs.get(docId)!
    const id = `${c.index}-${this.opCounter++}`
    let inc = 0
    const kind = r.int(8)
    doc.transact(() => {
      doc.getList('ledger').push(id)
      const text = doc.getText('text')
      const items = doc.getList('items')
      const map = doc.getMap('map')
      if (kind === 0 || kind === 1) text.insert(r.int(text.length + 1), r.pick(TEXT_PIECES))
      else if (kind === 2 && text.length > 0) {
        const at = r.int(text.length)
        text.delete(at, Math.min(1 + r.int(3), text.length - at))
      } else if (kind === 3) map.set(`k${r.int(6)}`, r.chance(0.5) ? r.int(100) : `v${r.int(100)}`)
      else if (kind === 4) map.delete(`k${r.int(6)}`)
      else if (kind === 5) items.insert(r.int(items.length + 1), r.int(1000))
      else if (kind === 6 && items.length > 0) items.delete(r.int(items.length), 1)
      else {
        inc = r.int(9) - 3
        doc.getCounter('counter').increment(inc)
      }
    })
    this.ops.push({ id, client: c.index, doc: docId, epoch: c.diskEpoch, seq: c.lastSeq })
    this.opDoc.set(id, docId)
    this.opInc.set(id, inc)
    if (r.chance(0.05)) {
      const state = r.chance(0.1) ? null : { at: r.int(100), who: c.index }
      c.presence.set(docId, state)
      this.clientEffects(c, c.session.setPresence(docId, state))
    }
  }

  /** Delivers a burst of frames from one random queue (other queues wait: delay and reordering across links). */
  private deliverSome(): void {
    const busy = this.net.busy()
    if (busy.length === 0) return
    const [conn, dir] = this.rng.pick(busy)
    const q = dir === 'up' ? conn.up : conn.down
    for (let n = 1 + this.rng.int(this.burst); n > 0 && conn.alive && q.length > 0; n--) {
      if (this.chaos && this.rng.chance(this.config.faults.duplicate * this.intensity) && isDuplicable(q[0]!)) {
        this.stats.duplicates!++
        q.unshift(q[0]!)
      }
      this.deliver(conn, dir)
    }
  }

  private deliver(conn: Conn, dir: 'up' | 'down'): void {
    const frame = (dir === 'up' ? conn.up : conn.down).shift()
    if (!frame) return
    this.stats.frames!++
    if (dir === 'up') {
      const node = this.servers[conn.node]!
      if (node.machine) this.serverEffects(node, node.machine.receive(conn.id, frame, this.now))
    } else {
      const c = this.clients[conn.client]!
      if (c.session && c.conn === conn) this.clientEffects(c, c.session.received(frame, this.now))
    }
  }

  /** Completes a few storage writes: a client's in order, the server's in any order. */
  private completeStorage(): void {
    const r = this.rng
    for (let n = 1 + r.int(this.burst); n > 0; n--) {
      if (r.chance(0.5)) {
        const c = r.pick(this.clients)
        if (c.writes.length > 0) c.completeWrite()
      } else {
        const node = r.pick(this.servers)
        if (node.ops.length === 0) continue
        const fail = r.chance(this.config.faults.storeError * this.intensity)
        if (fail) this.stats.storeErrors!++
        node.completeOp(r.int(node.ops.length), fail)
      }
    }
  }

  private deliverBus(): void {
    const m = this.bus.shift()
    if (m) this.stats.relayed!++
    if (m?.node.machine) this.serverEffects(m.node, m.node.machine.relayed(m.doc, m.delta, m.seq))
  }

  private tickOne(): void {
    const i = this.rng.int(this.clients.length + 1)
    if (i === this.clients.length) {
      const node = this.rng.pick(this.servers)
      if (node.machine) this.serverEffects(node, node.machine.tick(this.now))
      return
    }
    const c = this.clients[i]!
    if (c.session) this.clientEffects(c, c.session.tick(this.now))
  }

  private restartAndReconnect(p: number): void {
    for (const n of this.servers) if (!n.machine && this.now >= n.crashedUntil) n.start()
    const up = this.servers.filter((n) => n.machine)
    for (const c of this.clients) {
      if (!c.session && this.now >= c.crashedUntil) c.start(() => this.rng.id53(), this.now)
      if (c.session && !c.conn && up.length > 0 && this.now >= c.partitionedUntil && this.rng.chance(p)) this.connect(c, this.rng.pick(up))
    }
  }

  private connect(c: SimClient, node: SimServer): void {
    const conn = this.net.open(c.index, node.index)
    c.conn = conn
    this.serverEffects(node, node.machine!.connect(conn.id, this.now))
    this.clientEffects(c, c.session!.connected(this.now, 'token'))
  }

  private kill(conn: Conn): void {
    if (!conn.alive) return
    this.net.kill(conn)
    const c = this.clients[conn.client]!
    if (c.conn === conn) {
      c.conn = undefined
      if (c.session) this.clientEffects(c, c.session.disconnected())
    }
    const node = this.servers[conn.node]!
    if (node.machine) this.serverEffects(node, node.machine.disconnect(conn.id))
  }

  private crashClient(c: SimClient): void {
    if (!c.session) return
    this.stats.clientCrashes!++
    if (c.conn) this.kill(c.conn)
    c.crash()
    c.crashedUntil = this.now + this.rng.int(3000)
    // Ops not persisted before the crash are gone and their seqs will be reused.
    for (let i = this.ops.length - 1; i >= 0; i--) {
      const op = this.ops[i]!
      if (op.client === c.index && op.seq > c.disk(op.doc).lastSeq) this.ops.splice(i, 1)
    }
  }

  private wipeClient(c: SimClient): void {
    this.stats.clientWipes!++
    if (c.conn) this.kill(c.conn)
    c.wipe()
    c.crashedUntil = this.now + this.rng.int(3000)
  }

  private crashServer(node: SimServer): void {
    if (!node.machine) return
    this.stats.serverCrashes!++
    for (const conn of [...this.net.conns.values()]) if (conn.node === node.index) this.kill(conn)
    node.crash()
    this.bus = this.bus.filter((m) => m.node !== node)
    node.crashedUntil = this.now + this.rng.int(3000)
  }

  // ---- effects ----

  private clientEffects(c: SimClient, effects: ClientEffect[]): void {
    for (const e of effects) {
      switch (e.type) {
        case 'send':
          if (c.conn?.alive) c.conn.up.push(e.frame)
          break
        case 'persist-local':
          c.writes.push({ kind: 'local', doc: e.doc, seq: e.seq, bytes: e.bytes })
          break
        case 'persist-remote':
          c.writes.push({ kind: 'remote', doc: e.doc, bytes: e.bytes })
          break
        case 'acked':
          c.writes.push({ kind: 'acked', doc: e.doc, seq: e.seq })
          for (const op of this.ops) {
            if (op.client === c.index && op.epoch === c.diskEpoch && op.doc === e.doc && op.seq <= e.seq) this.acked.add(op.id)
          }
          break
        case 'close':
          if (c.conn) this.kill(c.conn)
          break
        case 'divergence':
          this.stats.divergences!++
          break
        case 'error':
          if (e.error.code !== 'unavailable' && e.error.code !== 'not-subscribed') this.problems.push(`client ${c.index} got error ${e.error.message}`)
          break
        case 'status':
        case 'presence':
          break
      }
    }
  }

  private serverEffects(node: SimServer, effects: ServerEffect[]): void {
    for (const e of effects) {
      switch (e.type) {
        case 'send':
          this.sendDown(e.conn, e.frame)
          break
        case 'broadcast':
          for (const conn of e.to) this.sendDown(conn, e.frame)
          break
        case 'close': {
          const conn = this.net.conns.get(e.conn)
          if (conn) this.kill(conn)
          break
        }
        case 'persist':
          node.ops.push({ kind: 'persist', id: e.id, doc: e.doc, bytes: e.bytes })
          break
        case 'load':
          node.ops.push({ kind: 'load', doc: e.doc })
          break
        case 'durable':
          for (const other of this.servers) if (other !== node && other.machine) this.bus.push({ node: other, doc: e.doc, delta: e.delta, seq: e.serverSeq })
          break
        case 'refused':
          // A failed store read or write makes the doc unavailable for a while ([ACK-4]), and frames already
          // in flight for it then meet no subscription; anything else is a bug.
          if (e.code === 'unavailable' || e.code === 'not-subscribed') this.stats.unavailable!++
          else {
            this.stats.refused!++
            this.problems.push(`server refused conn ${e.conn}: ${e.code} ${e.message}`)
          }
          break
        case 'divergence':
          this.stats.divergences!++
          break
        case 'authenticate':
        case 'unload':
          break
      }
    }
  }

  private sendDown(connId: number, frame: Uint8Array): void {
    const conn = this.net.conns.get(connId)
    if (conn?.alive) conn.down.push(frame)
  }

  // ---- settle and check ----

  /** Heals everything, then runs rounds until nothing is left to do. Returns the rounds used. */
  private settle(): number {
    this.chaos = false
    for (const c of this.clients) {
      c.partitionedUntil = 0
      c.crashedUntil = 0
    }
    for (const n of this.servers) n.crashedUntil = 0
    let rounds = 0
    let quietTickDone = false
    for (;;) {
      if (rounds > this.config.maxSettleRounds) {
        this.problems.push(`not settled after ${this.config.maxSettleRounds} rounds: ${this.describeState()}`)
        return rounds
      }
      this.restartAndReconnect(1)
      const busy =
        this.net.busy().length > 0 || this.bus.length > 0 || this.servers.some((n) => n.ops.length > 0) || this.clients.some((c) => c.writes.length > 0)
      if (!busy && this.allSynced()) {
        if (quietTickDone) return rounds
        // Let digests and presence heartbeats go out once, then settle again.
        quietTickDone = true
        this.now += 12_000
        for (const c of this.clients) this.clientEffects(c, c.session!.tick(this.now))
        continue
      }
      rounds++
      // One round: a second passes (retries of refused subscriptions, digests), everything in
      // flight now is delivered, every queued write completes.
      this.now += 1000
      for (const c of this.clients) if (c.session) this.clientEffects(c, c.session.tick(this.now))
      for (const [conn, dir] of this.net.busy()) {
        const n = (dir === 'up' ? conn.up : conn.down).length
        for (let i = 0; i < n && conn.alive; i++) this.deliver(conn, dir)
      }
      for (let n = this.bus.length; n > 0; n--) this.deliverBus()
      for (const node of this.servers) while (node.ops.length > 0) node.completeOp(0)
      for (const c of this.clients) while (c.writes.length > 0) c.completeWrite()
    }
  }

  private describeState(): string {
    const cs = this.clients.map((c) => {
      const s = c.session
      if (!s) return `c${c.index}: down`
      const docs = this.docIds.map((id) => `${id} ${s.status(id)} unacked=${s.unacked(id)} pending=${c.docs.get(id)!.pendingCount}`)
      return `c${c.index}: ${s.connection} writes=${c.writes.length} ${docs.join(' ')}`
    })
    const ns = this.servers.map((n) => {
      const docs = this.docIds.map((id) => `${id} pending=${n.machine?.doc(id)?.pendingCount}`)
      return `node ${n.index}: ops ${n.ops.length} ${docs.join(' ')}`
    })
    return `${cs.join(', ')}; in flight ${this.net.inFlight()}, bus ${this.bus.length}; ${ns.join(', ')}`
  }

  private allSynced(): boolean {
    return this.clients.every((c) => c.session?.connection === 'ready' && this.docIds.every((id) => c.session!.status(id) === 'synced'))
  }

  private check(): void {
    for (const id of this.docIds) this.checkDoc(id)
    if (this.stats.divergences !== 0) this.problems.push(`${this.stats.divergences} divergences`)
  }

  private checkDoc(docId: string): void {
    const p = this.problems
    // The reference is the durable log: a server restarted from it must hold the same state ([STORE-1]).
    const fromLog = new Doc({ replicaId: 1 })
    for (const bytes of this.log.get(docId) ?? []) fromLog.applyDelta(bytes)
    const expected = JSON.stringify(fromLog.toJSON())
    const digest = fromLog.digest()
    const replicas: [string, Doc][] = this.clients.map((c): [string, Doc] => [`client ${c.index}`, c.docs.get(docId)!])
    for (const n of this.servers) {
      const d = n.machine?.doc(docId) as Doc | undefined
      if (d) replicas.push([`node ${n.index}`, d])
    }
    if (replicas.length === this.clients.length) p.push(`${docId}: no server node has the doc loaded`)
    if (fromLog.pendingCount !== 0) p.push(`${docId} durable log: ${fromLog.pendingCount} deltas left in the causal buffer`)
    for (const [name, d] of replicas) {
      if (JSON.stringify(d.toJSON()) !== expected) p.push(`${docId} ${name}: toJSON differs from the durable log`)
      if (d.digest() !== digest) p.push(`${docId} ${name}: digest differs from the durable log`)
      if (d.pendingCount !== 0) p.push(`${docId} ${name}: ${d.pendingCount} deltas left in the causal buffer`)
    }
    for (const c of this.clients) {
      const left = c.session!.unacked(docId)
      if (left !== 0) p.push(`${docId} client ${c.index}: ${left} deltas left in the outbox`)
    }
    const ledger = fromLog.getList('ledger').toArray() as string[]
    const present = new Set(ledger)
    if (present.size !== ledger.length) p.push(`${docId}: duplicated = ${ledger.length - present.size}`)
    const lost = [...this.acked].filter((id) => this.opDoc.get(id) === docId && !present.has(id))
    if (lost.length > 0) p.push(`${docId}: lost = ${lost.length} acked writes (e.g. ${lost.slice(0, 3).join(', ')})`)
    // Each op's ledger entry and counter increment share one transaction: they survive together.
    let sum = 0
    for (const id of ledger) sum += this.opInc.get(id) ?? NaN
    const counter = fromLog.getCounter('counter').value
    if (counter !== sum) p.push(`${docId}: counter ${counter} != sum of the surviving ops' increments ${sum}`)
    this.checkPresence(docId)
  }

  /** Every client sees exactly the current presence of the other clients on its server node ([PRES-2]). */
  private checkPresence(docId: string): void {
    const norm = (xs: [number, string][]) => JSON.stringify(xs.sort((a, b) => a[0] - b[0]))
    for (const c of this.clients) {
      const want: [number, string][] = []
      for (const o of this.clients) {
        const state = o.presence.get(docId)
        if (o === c || o.conn?.node !== c.conn?.node || state === undefined || state === null) continue
        want.push([o.session!.peerId!, JSON.stringify(state)])
      }
      const got = [...c.session!.others(docId)].map(([peer, s]): [number, string] => [peer, JSON.stringify(s)])
      if (norm(got) !== norm(want)) this.problems.push(`${docId} client ${c.index}: presence ${norm(got)} != ${norm(want)}`)
    }
  }
}
