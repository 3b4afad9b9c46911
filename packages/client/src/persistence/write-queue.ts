import { toStorageError, type WeftStorageError } from '../errors.js'
import type { Timers } from '../timers.js'

export interface WriteQueueOptions {
  timers: Timers
  /** First retry delay; doubles per failure up to `retryMaxMs`. */
  retryBaseMs?: number
  retryMaxMs?: number
  /** Called on every failed attempt; the op stays queued and is retried. */
  onError(error: WeftStorageError): void
  /** Called when an op succeeds after failures. */
  onRecovered(): void
  /** Called whenever the number of queued ops changes. */
  onChange?(): void
}

interface Job {
  run: () => Promise<unknown>
  resolve: (v: unknown) => void
  reject: (e: unknown) => void
}

const ignore = (): void => undefined

/**
 * Runs storage writes one at a time, in order. A failed write stays at the
 * head and is retried with backoff until it succeeds: nothing is dropped.
 * Only closing the queue rejects what is still waiting.
 */
export class WriteQueue {
  private readonly jobs: Job[] = []
  private running = false
  private failures = 0
  private timer: unknown
  private closed = false
  private lastError: WeftStorageError | undefined
  private idleWaiters: { resolve(): void; reject(e: unknown): void }[] = []

  constructor(private readonly opts: WriteQueueOptions) {}

  /** Ops queued or running. */
  get pending(): number {
    return this.jobs.length
  }
  /** The last failure, until a write succeeds again. */
  get error(): WeftStorageError | undefined {
    return this.lastError
  }

  enqueue<T>(run: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(toStorageError(new Error('write queue closed'), 'closed'))
    return new Promise<T>((resolve, reject) => {
      this.jobs.push({ run, resolve: resolve as (v: unknown) => void, reject })
      this.opts.onChange?.()
      this.pump()
    })
  }

  /**
   * Queue a write whose outcome nobody awaits (one per received delta): no
   * promise for it. It is retried like any other; closing the queue drops it.
   */
  push(run: () => Promise<unknown>): void {
    if (this.closed) return
    this.jobs.push({ run, resolve: ignore, reject: ignore })
    this.opts.onChange?.()
    this.pump()
  }

  /**
   * Resolves once every op queued so far has been written; rejects (code
   * `closed`) if the queue closes with ops unwritten. Resolving then, as it
   * once did, told `whenSaved('local')` that writes a closing page gave up
   * on were stored (simulation seed 1546).
   */
  idle(): Promise<void> {
    if (this.jobs.length === 0) return Promise.resolve()
    return new Promise((resolve, reject) => this.idleWaiters.push({ resolve, reject }))
  }

  /** Retry now instead of waiting out the backoff (e.g. the app regained focus). */
  retryNow(): void {
    if (this.timer === undefined) return
    this.opts.timers.clearTimeout(this.timer)
    this.timer = undefined
    this.pump()
  }

  close(): void {
    this.closed = true
    if (this.timer !== undefined) this.opts.timers.clearTimeout(this.timer)
    this.timer = undefined
    const err = toStorageError(new Error('write queue closed'), 'closed')
    for (const j of this.jobs.splice(0)) j.reject(err)
    // A waiter is only here while ops were queued, and those were just dropped.
    for (const w of this.idleWaiters.splice(0)) w.reject(err)
  }

  private pump(): void {
    if (this.running || this.closed || this.timer !== undefined) return
    const job = this.jobs[0]
    if (!job) {
      for (const w of this.idleWaiters.splice(0)) w.resolve()
      return
    }
    this.running = true
    let written: Promise<unknown>
    try {
      written = job.run()
    } catch (e) {
      written = Promise.reject(e) // a storage that throws instead of rejecting
    }
    // Handlers made once, not per write: the running job is always the head.
    written.then(this.succeeded, this.failed)
  }

  private readonly succeeded = (value: unknown): void => {
    this.running = false
    if (this.closed) return
    const job = this.jobs.shift()
    if (this.lastError) {
      this.lastError = undefined
      this.failures = 0
      this.opts.onRecovered()
    }
    job?.resolve(value)
    this.opts.onChange?.()
    this.pump()
  }

  private readonly failed = (e: unknown): void => {
    this.running = false
    if (this.closed) return
    const err = toStorageError(e)
    if (err.code === 'closed') {
      // The storage itself was closed: retrying cannot succeed.
      this.close()
      return
    }
    this.lastError = err
    this.failures++
    const base = this.opts.retryBaseMs ?? 200
    const delay = Math.min(this.opts.retryMaxMs ?? 10_000, base * 2 ** Math.min(this.failures - 1, 20))
    this.timer = this.opts.timers.setTimeout(() => {
      this.timer = undefined
      this.pump()
    }, delay)
    this.opts.onError(err)
  }
}
