import type { DocHandle } from '../handle/doc-handle.js'
import type { Storage } from '../storage/types.js'
import type { Timers } from '../timers.js'

/** What the sweep needs from the client. */
export interface OutboxSweepOptions {
  storage: Storage
  timers: Timers
  /** Opens a doc for the sweep; `undefined` when the app has it open already (it uploads its own edits). */
  open(id: string): DocHandle | undefined
  /** True while the sweep still owns the handle it opened (the app may take it over meanwhile). */
  owns(handle: DocHandle): boolean
  /** Docs uploaded at once (default 2): each is loaded whole into memory while it uploads. */
  concurrency?: number
  /** A doc not saved within this long is closed and left for the next sweep (default 60 s). */
  giveUpMs?: number
  /**
   * Web Lock that makes one tab of a browser sweep at a time (default 'weft-outbox-sweep'): the
   * tabs share the storage, so a tab whose connection opens while another sweeps skips its sweep.
   */
  lockName?: string
  /** The Web Locks API (default `navigator.locks`); without it (Node) every client sweeps. */
  locks?: LockManagerLike
}

/** The part of the Web Locks API the sweep uses. */
export interface LockManagerLike {
  request(name: string, options: { ifAvailable: true }, callback: (lock: unknown) => Promise<void>): Promise<void>
}

function defaultLocks(): LockManagerLike | undefined {
  const nav = (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator
  return typeof nav?.locks?.request === 'function' ? nav.locks : undefined
}

/**
 * Uploads the edits that docs not open in this client left in storage: a doc
 * edited offline, then never opened again, would otherwise keep them on this
 * device for good. Each time the connection opens, the docs with outbox rows
 * or journal entries are opened in the background, saved on the server, and
 * closed again, unless the app opened one meanwhile (then it is the app's).
 * [CLIENT-SWEEP-1] In a browser, one tab sweeps at a time (a Web Lock,
 * taken if free): the others would upload the same rows again.
 */
export class OutboxSweep {
  private running = false
  private again = false
  private stopped = false

  constructor(private readonly o: OutboxSweepOptions) {}

  /** Starts a sweep, or one more after the sweep in progress. */
  run(): void {
    if (this.stopped) return
    if (this.running) {
      this.again = true
      return
    }
    this.running = true
    void this.sweep().finally(() => {
      this.running = false
      if (this.again && !this.stopped) {
        this.again = false
        this.run()
      }
    })
  }

  stop(): void {
    this.stopped = true
  }

  private async sweep(): Promise<void> {
    const locks = this.o.locks ?? defaultLocks()
    if (locks === undefined) return this.sweepAll()
    let granted = false
    try {
      await locks.request(this.o.lockName ?? 'weft-outbox-sweep', { ifAvailable: true }, async (lock) => {
        granted = true
        if (lock !== null) await this.sweepAll() // null: another tab is sweeping this storage
      })
    } catch {
      if (!granted) await this.sweepAll() // locks refused (an opaque origin): sweep as without them
    }
  }

  private async sweepAll(): Promise<void> {
    // A storage that cannot list its docs now leaves the sweep to the next connect, which asks again.
    const ids = await this.o.storage.docsWithOutbox?.().catch(() => [] as string[])
    const queue = [...(ids ?? [])]
    const worker = async (): Promise<void> => {
      for (let id = queue.shift(); id !== undefined && !this.stopped; id = queue.shift()) await this.upload(id)
    }
    await Promise.all(Array.from({ length: this.o.concurrency ?? 2 }, worker))
  }

  private async upload(id: string): Promise<void> {
    const handle = this.o.open(id)
    if (!handle) return
    let timer: unknown
    const gaveUp = new Promise<void>((resolve) => {
      timer = this.o.timers.setTimeout(resolve, this.o.giveUpMs ?? 60_000)
    })
    // Refused (forbidden, a bad token) or not done in time: the rows stay for the next time.
    await Promise.race([handle.whenSaved('server').catch(() => undefined), gaveUp])
    this.o.timers.clearTimeout(timer)
    // What a close fails to store it reports as the handle's error event; the rows stay for the next sweep.
    if (this.o.owns(handle)) await handle.close().catch(() => undefined)
  }
}
