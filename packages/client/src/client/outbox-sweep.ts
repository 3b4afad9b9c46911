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
}

/**
 * Uploads the edits that docs not open in this client left in storage: a doc
 * edited offline, then never opened again, would otherwise keep them on this
 * device for good. Each time the connection opens, the docs with outbox rows
 * or journal entries are opened in the background, saved on the server, and
 * closed again, unless the app opened one meanwhile (then it is the app's).
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
    if (this.o.owns(handle)) await handle.close().catch(() => undefined)
  }
}
