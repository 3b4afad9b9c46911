/** Options of {@link StoreProbe}. */
export interface StoreProbeOptions {
  /** One round trip to the store; rejects or hangs when it is unreachable. */
  readonly check: () => Promise<unknown>
  /** Time between round trips (default 1 s). */
  readonly intervalMs?: number
  /** A round trip pending longer than this makes the store unhealthy (default 2 s). */
  readonly timeoutMs?: number
  readonly now?: () => number
}

/** What `/healthz` says about the store. */
export interface StoreHealth {
  readonly ok: boolean
  /** Duration of the last round trip that finished. */
  readonly latencyMs: number | undefined
}

/**
 * Store reachability for `/healthz`, measured in the background so a probe
 * is answered from the event loop alone. A store round trip queues behind
 * group commits and snapshot writes (their fsyncs): awaiting one inside the
 * request made `/healthz` report the disk's latency as the server's (seconds
 * under the hostile suite) while the event loop was free. Healthy while the
 * last round trip succeeded and none has been pending longer than `timeoutMs`.
 *
 * @example
 * ```ts
 * const probe = new StoreProbe({ check: () => store.head('') })
 * app.get('/healthz', (c) => c.json({ store: probe.status() }))
 * ```
 */
export class StoreProbe {
  private lastOk = true
  private latencyMs: number | undefined
  private pendingSince: number | undefined
  private readonly timer: ReturnType<typeof setInterval>
  private readonly now: () => number
  private readonly timeoutMs: number

  constructor(private readonly o: StoreProbeOptions) {
    this.now = o.now ?? (() => performance.now())
    this.timeoutMs = o.timeoutMs ?? 2000
    this.timer = setInterval(() => this.probe(), o.intervalMs ?? 1000)
    this.timer.unref()
    this.probe()
  }

  status(): StoreHealth {
    const stuck = this.pendingSince !== undefined && this.now() - this.pendingSince > this.timeoutMs
    return { ok: this.lastOk && !stuck, latencyMs: this.latencyMs }
  }

  stop(): void {
    clearInterval(this.timer)
  }

  private probe(): void {
    if (this.pendingSince !== undefined) return // one round trip at a time: a hung store is not piled on
    const started = this.now()
    this.pendingSince = started
    this.o.check().then(
      () => this.finish(started, true),
      () => this.finish(started, false),
    )
  }

  private finish(started: number, ok: boolean): void {
    this.pendingSince = undefined
    this.lastOk = ok
    this.latencyMs = Math.round(this.now() - started)
  }
}
