import { Doc } from '@weft/crdt-core'
import type { ServerEffect } from '@weft/crdt-core'
import type { Connection, Transport, TransportHandlers } from '@weft/client'
import type { StorageFault, StorageWrite } from '@weft/client/testing'
import { Network, isDuplicable } from './network.js'
import type { Conn } from './network.js'
import { Prng } from './prng.js'
import { SimDevice, SimTab } from './sim-device.js'
import { SimServer } from './sim-server.js'
import type { DurableLog } from './sim-server.js'
import { withSeededRandom } from './seeded-globals.js'

/** Knobs of one simulated run. */
export interface SimConfig {
  /** Browser profiles; each has its own disk and runs 1..maxTabs tabs of the production client. */
  readonly devices: number
  readonly maxTabs: number
  /** Docs every tab opens. */
  readonly docs: number
  /** Server nodes over one durable store; each seed draws 1..servers. */
  readonly servers: number
  readonly opsPerDevice: number
  /** Rounds allowed to settle after the network heals. */
  readonly maxSettleRounds: number
  /** Fault probabilities per step (network, processes) or per storage write (crash, storageError, quota). */
  readonly faults: {
    drop: number
    duplicate: number
    partition: number
    /** A tab's process dies between two steps. */
    crashTab: number
    /** Per client storage write: the process dies just before or just after it. */
    crashAtWrite: number
    /** Per client storage write: it fails (`failed`) or hits the quota (`quota-exceeded`). */
    storageError: number
    quota: number
    crashServer: number
    wipeDevice: number
    /** A tab opens (up to maxTabs) or one closes (the last one stays). */
    tabOpen: number
    tabClose: number
    /** A server store write or read that fails (the server then refuses with `unavailable`). */
    storeError: number
  }
  /** Systematic crash point: device `device`'s `write`-th storage write crashes its process (`after` it committed, or before). */
  readonly crashAt?: { readonly device: number; readonly write: number; readonly after: boolean }
}

export const DEFAULT_CONFIG: SimConfig = {
  devices: 3,
  maxTabs: 2,
  docs: 2,
  servers: 2,
  opsPerDevice: 60,
  maxSettleRounds: 40,
  faults: {
    drop: 0.004,
    duplicate: 0.01,
    partition: 0.002,
    crashTab: 0.002,
    crashAtWrite: 0.004,
    storageError: 0.004,
    quota: 0.002,
    crashServer: 0.0005,
    wipeDevice: 0.0003,
    tabOpen: 0.004,
    tabClose: 0.002,
    storeError: 0.003,
  },
}

/** Short schedules whose every storage write is made a crash point in turn (see crash-points.test.ts). */
export const SHORT_CONFIG: SimConfig = {
  ...DEFAULT_CONFIG,
  devices: 2,
  docs: 1,
  opsPerDevice: 6,
  faults: { ...DEFAULT_CONFIG.faults, crashTab: 0, crashAtWrite: 0, storageError: 0, quota: 0, wipeDevice: 0, crashServer: 0 },
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
  /** Storage writes made by each device (to enumerate crash points). */
  readonly writesPerDevice: readonly number[]
}

const TEXT_PIECES = ['a', 'bc', 'def', 'é', '中', '🙂']

interface OpRecord {
  readonly id: string
  readonly device: number
  readonly doc: string
  /** The device's disk epoch when the op was made (a wipe forgives what was only local). */
  readonly epoch: number
}

/** One connection attempt of a tab through the simulated transport. */
interface Attempt {
  readonly tab: SimTab
  readonly handlers: TransportHandlers
  conn: Conn | undefined
  callerClosed: boolean
}

/** Runs one seeded schedule of the production client and checks convergence and durability. */
export function runSimulation(seed: number, config: SimConfig = DEFAULT_CONFIG): Promise<SimResult> {
  const rng = new Prng(seed)
  return withSeededRandom(
    () => rng.next(),
    () => new Simulation(seed, rng, config).run(),
  )
}

/** Lets every promise callback the last step started run (the client's storage and effect chains). */
const drain = (): Promise<void> => new Promise((r) => setImmediate(r))

class Simulation {
  private readonly net = new Network()
  private readonly devices: SimDevice[]
  private readonly docIds: string[]
  private readonly servers: SimServer[]
  private readonly log: DurableLog = new Map()
  private bus: { node: SimServer; doc: string; delta: Uint8Array; seq: number }[] = []
  private readonly attempts = new Map<number, Attempt>()
  private opening: Attempt[] = []
  private now = 0
  private nextTab = 1
  private readonly ops: OpRecord[] = []
  private readonly acked = new Set<string>()
  private readonly savedLocally = new Set<string>()
  private readonly opInc = new Map<string, number>()
  private readonly problems: string[] = []
  private readonly stats: Record<string, number> = {
    drops: 0,
    duplicates: 0,
    partitions: 0,
    tabCrashes: 0,
    writeCrashes: 0,
    storageErrors: 0,
    quotaErrors: 0,
    deviceWipes: 0,
    tabsOpened: 0,
    tabsClosed: 0,
    serverCrashes: 0,
    frames: 0,
    tabMessages: 0,
    clientWrites: 0,
    divergences: 0,
    twoNodeRuns: 0,
    storeErrors: 0,
    unavailable: 0,
    relayed: 0,
  }
  private opCounter = 0
  private chaos = true
  private readonly intensity: number
  private readonly storageShare: number
  private readonly burst: number
  private readonly partitionedUntil = new Map<SimTab, number>()
  private crashedUntil = new Map<SimDevice, number>()

  constructor(
    readonly seed: number,
    private readonly rng: Prng,
    private readonly config: SimConfig,
  ) {
    this.intensity = 0.25 + rng.next() * 3
    this.storageShare = 0.05 + rng.next() * 0.25
    this.burst = 1 + rng.int(12)
    const nodes = 1 + rng.int(config.servers)
    if (nodes > 1) this.stats.twoNodeRuns = 1
    this.servers = Array.from({ length: nodes }, (_, i) => new SimServer(i, this.log, rng, (n, e) => this.serverEffects(n, e)))
    this.docIds = Array.from({ length: config.docs }, (_, i) => `doc-${i}`)
    this.devices = Array.from({ length: config.devices }, (_, i) => new SimDevice(i))
    for (const d of this.devices) {
      d.store.plan = (w) => this.writeFault(d, w)
      d.store.onCrash = (connection) => {
        const tab = d.tabs.find((t) => t.storage === connection)
        if (tab) this.crashTab(tab)
      }
    }
  }

  async run(): Promise<SimResult> {
    for (const n of this.servers) n.start()
    for (const d of this.devices) this.openTab(d)
    await drain()
    const total = this.config.devices * this.config.opsPerDevice
    let steps = 0
    while (this.opCounter < total) {
      steps++
      this.step()
      await drain()
      // Stop a stuck schedule (every device crashed for good would loop forever otherwise).
      if (steps > total * 400) {
        this.problems.push(`only ${this.opCounter} of ${total} ops made after ${steps} steps`)
        break
      }
    }
    let settleRounds = await this.settle()
    if (this.problems.length === 0) this.check('')
    // A reload of every device: what the disks hold must load, with nothing left waiting, and agree.
    if (this.problems.length === 0) {
      for (const d of this.devices) this.openTab(d)
      settleRounds += await this.settle()
      if (this.problems.length === 0) this.check('after a reload of every device: ')
    }
    if (this.problems.length > 0) this.problems.push(`stats ${JSON.stringify(this.stats)}`)
    for (const d of this.devices) for (const t of d.tabs) t.crash()
    return {
      seed: this.seed,
      problems: this.problems,
      steps,
      settleRounds,
      stats: this.stats,
      log: this.log,
      writesPerDevice: this.devices.map((d) => d.store.writes),
    }
  }

  // ---- faults armed on client storage writes ----

  private writeFault(d: SimDevice, w: StorageWrite): StorageFault | undefined {
    this.stats.clientWrites!++
    const at = this.config.crashAt
    if (at && at.device === d.index && at.write === w.n) {
      this.stats.writeCrashes!++
      return at.after ? 'crash-after' : 'crash-before'
    }
    if (!this.chaos) return undefined
    const r = this.rng
    const f = this.config.faults
    const k = this.intensity
    if (r.chance(f.crashAtWrite * k)) {
      this.stats.writeCrashes!++
      this.crashedUntil.set(d, this.now + r.int(2000))
      return r.chance(0.5) ? 'crash-after' : 'crash-before'
    }
    if (r.chance(f.storageError * k)) {
      this.stats.storageErrors!++
      return 'failed'
    }
    if (r.chance(f.quota * k)) {
      this.stats.quotaErrors!++
      return 'quota-exceeded'
    }
    return undefined
  }

  // ---- chaos phase ----

  private step(): void {
    const r = this.rng
    this.now += 1 + r.int(20)
    const f = this.config.faults
    const k = this.intensity
    if (r.chance(f.crashServer * k)) return this.crashServer(r.pick(this.servers))
    if (r.chance(f.crashTab * k)) {
      const tabs = this.liveTabs()
      if (tabs.length > 0) {
        const t = r.pick(tabs)
        this.stats.tabCrashes!++
        this.crashedUntil.set(t.device, this.now + r.int(2000))
        return this.crashTab(t)
      }
    }
    if (r.chance(f.wipeDevice * k)) return this.wipeDevice(r.pick(this.devices))
    if (r.chance(f.tabOpen * k)) {
      const d = r.pick(this.devices)
      if (d.live.length < this.config.maxTabs) this.openTab(d)
      return
    }
    if (r.chance(f.tabClose * k)) {
      const d = r.pick(this.devices)
      if (d.live.length > 1) this.closeTab(r.pick(d.live))
      return
    }
    if (r.chance(f.partition * k)) {
      const tabs = this.liveTabs()
      if (tabs.length === 0) return
      const t = r.pick(tabs)
      this.stats.partitions!++
      this.partitionedUntil.set(t, this.now + 500 + r.int(5000))
      for (const a of this.attempts.values()) if (a.tab === t && a.conn) this.kill(a.conn)
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
    this.restartAndReconnect(0.1)
    const x = r.next()
    if (x < 0.3) this.localOp()
    else if (x < 0.34) this.deliverBus()
    else if (x < 0.42) this.deliverTabMessages()
    else if (x < 0.9 - this.storageShare) this.deliverSome()
    else if (x < 0.9) this.completeStorage()
    else this.fireTimers(r.pick(this.liveTabs().concat(this.closingTabs())))
  }

  private liveTabs(): SimTab[] {
    return this.devices.flatMap((d) => d.live)
  }

  private closingTabs(): SimTab[] {
    return this.devices.flatMap((d) => d.tabs.filter((t) => t.alive && t.closing))
  }

  private localOp(): void {
    const r = this.rng
    const tabs = this.liveTabs().filter((t) => t.ready.size > 0)
    if (tabs.length === 0) return
    const tab = r.pick(tabs)
    const ready = this.docIds.filter((id) => tab.ready.has(id))
    const docId = ready.includes(this.docIds[0]!) && r.chance(0.7) ? this.docIds[0]! : r.pick(ready)
    const h = tab.handles.get(docId)!
    const doc = h.doc
    const id = `${tab.device.index}-${this.opCounter++}`
    let inc = 0
    const kind = r.int(9)
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
      else if (kind === 7) {
        // A move of a few characters: concurrent moves of one range must leave it once ([MOVE-1]).
        if (text.length === 0) return
        const at = r.int(text.length)
        const len = Math.min(1 + r.int(4), text.length - at)
        const to = r.int(text.length + 1)
        if (to <= at || to >= at + len) text.move(at, len, to)
      } else {
        inc = r.int(9) - 3
        doc.getCounter('counter').increment(inc)
      }
    })
    this.ops.push({ id, device: tab.device.index, doc: docId, epoch: tab.device.epoch })
    this.opInc.set(id, inc)
    const ignore = (): void => undefined // a refused or abandoned wait proves nothing either way
    h.whenSaved('local').then(() => tab.alive && this.savedLocally.add(id), ignore)
    h.whenSaved('server').then(() => tab.alive && this.acked.add(id), ignore)
    if (r.chance(0.05)) h.presence.set(r.chance(0.1) ? null : { at: r.int(100), who: tab.uid })
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
      const a = this.attempts.get(conn.id)
      if (a?.tab.alive && !a.callerClosed) a.handlers.onMessage(frame)
    }
  }

  private deliverTabMessages(): void {
    const d = this.rng.pick(this.devices)
    for (let n = 1 + this.rng.int(this.burst); n > 0 && d.bus.deliverOne(); n--) this.stats.tabMessages!++
  }

  /** Completes a few storage calls: a client connection's in order, the server's per doc in order. */
  private completeStorage(): void {
    const r = this.rng
    for (let n = 1 + r.int(this.burst); n > 0; n--) {
      if (r.chance(0.5)) {
        const d = r.pick(this.devices)
        const held = d.store.heldConnections()
        if (held.length > 0) d.store.complete(r.pick(held))
      } else {
        const node = r.pick(this.servers)
        if (node.ops.length === 0) continue
        const fail = this.chaos && r.chance(this.config.faults.storeError * this.intensity)
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

  private fireTimers(tab: SimTab | undefined): void {
    if (!tab) {
      const node = this.rng.pick(this.servers)
      if (node.machine) this.serverEffects(node, node.machine.tick(this.now))
      return
    }
    if (tab.alive) tab.timers.fireDue()
  }

  private restartAndReconnect(p: number): void {
    for (const n of this.servers) if (!n.machine && this.now >= n.crashedUntil) n.start()
    for (const d of this.devices) if (d.live.length === 0 && this.now >= (this.crashedUntil.get(d) ?? 0)) this.openTab(d)
    const up = this.servers.filter((n) => n.machine)
    const waiting = this.opening
    this.opening = []
    for (const a of waiting) {
      if (!a.tab.alive || a.callerClosed) continue
      if (!this.rng.chance(p)) {
        this.opening.push(a)
        continue
      }
      if (up.length === 0 || this.now < (this.partitionedUntil.get(a.tab) ?? 0)) {
        a.handlers.onClose({ reason: 'unreachable' })
        continue
      }
      const node = this.rng.pick(up)
      const conn = this.net.open(a.tab.uid, node.index)
      a.conn = conn
      this.attempts.set(conn.id, a)
      this.serverEffects(node, node.machine!.connect(conn.id, this.now))
      a.handlers.onOpen()
    }
  }

  // ---- tabs, processes, devices ----

  private transportFor(tab: () => SimTab): Transport {
    return {
      connect: (handlers): Connection => {
        // The client connects from its constructor, before the tab that owns it is assigned: look it up lazily.
        const a: Attempt = {
          get tab() {
            return tab()
          },
          handlers,
          conn: undefined,
          callerClosed: false,
        }
        this.opening.push(a)
        return {
          send: (frame) => {
            if (a.conn?.alive && !a.callerClosed) a.conn.up.push(frame)
          },
          close: () => {
            a.callerClosed = true
            if (a.conn) this.kill(a.conn)
          },
        }
      },
    }
  }

  private openTab(d: SimDevice): void {
    this.stats.tabsOpened!++
    let self: SimTab | undefined
    const tab = new SimTab(d, {
      uid: this.nextTab++,
      transport: this.transportFor(() => self!),
      clock: () => this.now,
      random: () => this.rng.next(),
      docIds: this.docIds,
      onError: (t, e) => this.clientError(t, e),
    })
    self = tab
    d.tabs.push(tab)
  }

  /** A tab closes normally: the client flushes and closes; the process ends once that is done. */
  private closeTab(t: SimTab): void {
    this.stats.tabsClosed!++
    t.closing = true
    void t.client.close().then(() => {
      t.crash()
      const i = t.device.tabs.indexOf(t)
      if (i >= 0) t.device.tabs.splice(i, 1)
    })
  }

  private crashTab(t: SimTab): void {
    if (!t.alive) return
    t.crash()
    for (const a of [...this.attempts.values(), ...this.opening]) if (a.tab === t && a.conn) this.kill(a.conn)
    this.opening = this.opening.filter((a) => a.tab !== t)
    const i = t.device.tabs.indexOf(t)
    if (i >= 0) t.device.tabs.splice(i, 1)
  }

  private wipeDevice(d: SimDevice): void {
    this.stats.deviceWipes!++
    for (const t of [...d.tabs]) this.crashTab(t)
    d.store.wipe()
    d.epoch++
    this.crashedUntil.set(d, this.now + this.rng.int(3000))
  }

  private kill(conn: Conn): void {
    if (!conn.alive) return
    this.net.kill(conn)
    const a = this.attempts.get(conn.id)
    this.attempts.delete(conn.id)
    const node = this.servers[conn.node]!
    if (node.machine) this.serverEffects(node, node.machine.disconnect(conn.id))
    if (a?.tab.alive && !a.callerClosed) a.handlers.onClose({ reason: 'network dropped' })
  }

  private crashServer(node: SimServer): void {
    if (!node.machine) return
    this.stats.serverCrashes!++
    for (const conn of [...this.net.conns.values()]) if (conn.node === node.index) this.kill(conn)
    node.crash()
    this.bus = this.bus.filter((m) => m.node !== node)
    node.crashedUntil = this.now + this.rng.int(3000)
  }

  private clientError(t: SimTab, e: Error): void {
    const code = (e as { code?: string }).code
    // Injected storage faults, and the server being briefly unavailable, are expected; anything else is a finding.
    if (e.name === 'WeftStorageError' && (code === 'failed' || code === 'quota-exceeded')) return
    // A tab closed while its storage failed says what it could not store (the lost-write checks judge it).
    if (e.message.startsWith('closed with ')) {
      this.stats.closedUnsaved = (this.stats.closedUnsaved ?? 0) + 1
      return
    }
    if (e.name === 'WeftSyncError' && (code === 'unavailable' || code === 'not-subscribed')) return
    // [CAUSAL-1] a delta built on another tab's edits the server lacks: the session re-subscribes and uploads them.
    if (e.name === 'WeftSyncError' && code === 'missing-deps') {
      this.stats.missingDeps = (this.stats.missingDeps ?? 0) + 1
      return
    }
    this.problems.push(`tab ${t.uid} (device ${t.device.index}) error: ${e.message}`)
  }

  // ---- server effects ----

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
          if (e.code === 'unavailable' || e.code === 'not-subscribed') this.stats.unavailable!++
          else if (e.code === 'missing-deps') this.stats.refusedMissingDeps = (this.stats.refusedMissingDeps ?? 0) + 1
          else this.problems.push(`server refused conn ${e.conn}: ${e.code} ${e.message}`)
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
  private async settle(): Promise<number> {
    this.chaos = false
    this.partitionedUntil.clear()
    this.crashedUntil.clear()
    for (const n of this.servers) n.crashedUntil = 0
    let rounds = 0
    let quietTickDone = false
    let quietAt = ''
    for (;;) {
      if (rounds > this.config.maxSettleRounds) {
        this.problems.push(`not settled after ${this.config.maxSettleRounds} rounds: ${this.describeState()}`)
        return rounds
      }
      this.restartAndReconnect(1)
      await drain()
      if (!this.busy() && this.allSynced()) {
        // Quiet once a tick (digests, heartbeats, the writes they cause) changed nothing: a tick can
        // join into a tab what it had not seen (compaction reads the disk), which the next digest uploads.
        if (quietTickDone && this.fingerprint() === quietAt) return rounds
        quietTickDone = true
        quietAt = this.fingerprint()
        rounds++
        this.now += 12_000
        for (const t of this.liveTabs()) t.timers.fireDue()
        await drain()
        continue
      }
      rounds++
      // One round: a second passes (retries, backoff, digests); everything in flight now is delivered,
      // every queued write completes.
      this.now += 1000
      for (const t of [...this.liveTabs(), ...this.closingTabs()]) t.timers.fireDue()
      for (const n of this.servers) if (n.machine) this.serverEffects(n, n.machine.tick(this.now))
      await drain()
      for (let i = 0; i < 50 && this.busy(); i++) {
        for (const [conn, dir] of this.net.busy()) {
          const n = (dir === 'up' ? conn.up : conn.down).length
          for (let j = 0; j < n && conn.alive; j++) this.deliver(conn, dir)
        }
        for (let n = this.bus.length; n > 0; n--) this.deliverBus()
        for (const node of this.servers) while (node.ops.length > 0) node.completeOp(0)
        for (const d of this.devices) {
          while (d.bus.deliverOne()) this.stats.tabMessages!++
          for (const c of d.store.heldConnections()) while (d.store.complete(c));
        }
        await drain()
      }
    }
  }

  /** What a quiet tick may change: every live tab's version vectors and the durable log's length. */
  private fingerprint(): string {
    const tabs = this.liveTabs().map((t) => this.docIds.map((id) => JSON.stringify(t.handles.get(id)!.doc.versionVector())).join())
    return `${tabs.join('|')}#${[...this.log.values()].reduce((n, l) => n + l.length, 0)}`
  }

  private busy(): boolean {
    return (
      this.net.busy().length > 0 ||
      this.bus.length > 0 ||
      this.servers.some((n) => n.ops.length > 0) ||
      this.devices.some((d) => d.bus.inFlight > 0 || d.store.heldConnections().length > 0 || d.tabs.some((t) => t.closing))
    )
  }

  private allSynced(): boolean {
    return this.liveTabs().every((t) =>
      this.docIds.every((id) => {
        const h = t.handles.get(id)!
        const s = h.status
        const linked = s.connection === 'synced'
        return t.ready.has(id) && linked && h.doc.pendingCount === 0 && s.savedOnServer && s.savedLocally
      }),
    )
  }

  private describeState(): string {
    const tabs = this.liveTabs().map((t) => {
      const docs = this.docIds.map((id) => {
        const s = t.handles.get(id)!.status
        // Diagnostics only: the session's per-doc state, read through private fields (absent if they are renamed).
        const d = (
          t.handles.get(id) as unknown as { server?: { o: { connection: { session: { docs: Map<string, Record<string, unknown>> } } } } }
        ).server?.o.connection.session.docs.get(id)
        const dbg =
          d && s.connection !== 'synced'
            ? ` [phase=${String(d['phase'])} outbox=${(d['outbox'] as unknown[]).length} uploadVV=${JSON.stringify(d['uploadVV'])} pending=${(d['doc'] as { pendingCount: number }).pendingCount} persisted=${String(d['persistedSeq'])} last=${String(d['lastSeq'])} acked=${String(d['ackedSeq'])} sent=${String(d['sentSeq'])}]`
            : ''
        return `${id}${dbg} ${t.ready.has(id) ? '' : 'loading '}${s.connection} unsaved=${s.unsaved} local=${s.savedLocally}${s.storageError ? ` storageError=${s.storageError.code}` : ''}`
      })
      return `tab ${t.uid}@d${t.device.index}: link ${t.client.connection} held ${t.storage.held} ${docs.join(' ')}`
    })
    return `${tabs.join(', ')}; in flight ${this.net.inFlight()}, bus ${this.bus.length}; server ops ${this.servers.map((n) => n.ops.length).join('/')}`
  }

  /** Checks every doc; `when` prefixes what it finds. */
  private check(when: string): void {
    const found: string[] = []
    for (const id of this.docIds) this.checkDoc(id, found)
    if (this.stats.divergences !== 0) found.push(`${this.stats.divergences} divergences`)
    for (const f of found) this.problems.push(when + f)
  }

  private checkDoc(docId: string, p: string[]): void {
    // The reference is the durable log: a server restarted from it must hold the same state ([STORE-1]).
    const fromLog = new Doc({ replicaId: 1 })
    for (const bytes of this.log.get(docId) ?? []) fromLog.applyDelta(bytes)
    const expected = JSON.stringify(fromLog.toJSON())
    const digest = fromLog.digest()
    const replicas: [string, Doc][] = this.liveTabs().map((t): [string, Doc] => [`tab ${t.uid}@d${t.device.index}`, t.handles.get(docId)!.doc])
    for (const n of this.servers) {
      const d = n.machine?.doc(docId) as Doc | undefined
      if (d) replicas.push([`node ${n.index}`, d])
    }
    if (fromLog.pendingCount !== 0) p.push(`${docId} durable log: ${fromLog.pendingCount} deltas left in the causal buffer`)
    for (const [name, d] of replicas) {
      if (d.digest() !== digest) {
        const vv = d.versionVector()
        const lacks = Object.entries(fromLog.versionVector()).filter(([r, c]) => (vv[Number(r)] ?? 0) < c).length
        const extra = Object.entries(vv).filter(([r, c]) => (fromLog.versionVector()[Number(r)] ?? 0) < c).length
        p.push(`${docId} ${name}: digest differs from the durable log (it lacks ${lacks} replicas' ops, has ${extra} the log lacks)`)
      } else if (JSON.stringify(d.toJSON()) !== expected) p.push(`${docId} ${name}: toJSON differs from the durable log`)
      if (d.pendingCount !== 0) p.push(`${docId} ${name}: ${d.pendingCount} deltas left in the causal buffer`)
    }
    const ledger = fromLog.getList('ledger').toArray() as string[]
    const present = new Set(ledger)
    if (present.size !== ledger.length) p.push(`${docId}: duplicated = ${ledger.length - present.size}`)
    const mine = this.ops.filter((o) => o.doc === docId)
    const lost = mine.filter((o) => this.acked.has(o.id) && !present.has(o.id)).map((o) => o.id)
    if (lost.length > 0) p.push(`${docId}: lost = ${lost.length} acked writes (e.g. ${lost.slice(0, 3).join(', ')})`)
    const epochOf = (o: OpRecord) => this.devices[o.device]!.epoch
    const lostLocal = mine.filter((o) => this.savedLocally.has(o.id) && o.epoch === epochOf(o) && !present.has(o.id)).map((o) => o.id)
    if (lostLocal.length > 0) p.push(`${docId}: lost = ${lostLocal.length} writes saved locally (e.g. ${lostLocal.slice(0, 3).join(', ')})`)
    let sum = 0
    for (const id of ledger) sum += this.opInc.get(id) ?? Number.NaN
    const counter = fromLog.getCounter('counter').value
    if (counter !== sum) p.push(`${docId}: counter ${counter} != sum of the surviving ops' increments ${sum}`)
  }
}
