import { createClient } from '@weft/client'
import type { Client, DocHandle, Transport } from '@weft/client'
import { faultyStore } from '@weft/client/testing'
import type { FaultyStorage, FaultyStore } from '@weft/client/testing'
import { processStorage } from './process-storage.js'
import { SimTimers } from './sim-timers.js'
import { TabBus } from './tab-bus.js'

/** One browser profile: a disk that survives its tabs' crashes, and their BroadcastChannels. */
export class SimDevice {
  readonly store: FaultyStore = faultyStore()
  readonly bus = new TabBus()
  readonly tabs: SimTab[] = []
  /** Bumped when the disk is wiped: what was only saved locally before is gone. */
  epoch = 0

  constructor(readonly index: number) {
    this.store.hold = true
  }

  get live(): SimTab[] {
    return this.tabs.filter((t) => t.alive && !t.closing)
  }
}

/** What a tab needs from the world to start: its id, the transport and the backoff's random source. */
export interface TabWiring {
  readonly uid: number
  readonly transport: Transport
  readonly clock: () => number
  readonly random: () => number
  readonly docIds: readonly string[]
  /** An error event of the client or a handle. */
  onError(tab: SimTab, error: Error): void
}

/**
 * One tab's process: the production client (`createClient`: SyncConnection,
 * LocalReplica and its write queue, the outbox, TabSync) over a connection to
 * the device's disk. A crash drops it whole; nothing it started runs again.
 */
export class SimTab {
  readonly uid: number
  readonly storage: FaultyStorage
  readonly timers: SimTimers
  readonly client: Client
  readonly handles = new Map<string, DocHandle>()
  /** Docs whose handle finished loading. */
  readonly ready = new Set<string>()
  alive = true
  closing = false

  constructor(
    readonly device: SimDevice,
    w: TabWiring,
  ) {
    this.uid = w.uid
    this.storage = device.store.open()
    this.timers = new SimTimers(w.clock)
    this.client = createClient({
      name: 'sim',
      storage: processStorage(this.storage, () => this.alive),
      transport: w.transport,
      tabs: device.bus.factory(this.uid),
      timers: this.timers,
      online: false,
      backoff: { baseMs: 200, maxMs: 4000, random: w.random },
      // Small thresholds so compaction (a storage write of its own) happens in every schedule.
      compaction: { maxLogCount: 40, maxLogBytes: 64 * 1024 },
    })
    this.client.on('error', (e) => this.alive && w.onError(this, e))
    for (const id of w.docIds) {
      const h = this.client.doc(id)
      this.handles.set(id, h)
      h.on('error', (e) => this.alive && w.onError(this, e))
      void h.ready.then(() => this.alive && this.ready.add(id))
    }
  }

  /** The process dies: no timer of it fires, no message reaches it, its storage calls never settle. */
  crash(): void {
    this.alive = false
    this.device.bus.dropOwner(this.uid)
  }
}
