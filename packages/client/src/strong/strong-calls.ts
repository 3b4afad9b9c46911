import {
  type ClaimResult,
  type CounterBounds,
  type CounterResult,
  type RegisterResult,
  type StrongFailure,
  type StrongRequest,
  type StrongResult,
  type StrongValue,
  WeftOutcomeUnknownError,
  WeftUnavailableError,
  checkAdd,
  claimResultOf,
  counterResultOf,
  registerResultOf,
  strongFailureError,
} from '@weft/crdt-core'
import type { Timers } from '../timers.js'
import type { StrongClient } from './strong-client.js'

/** What {@link StrongCalls} needs from the connection. */
export interface StrongWire {
  /** True when a request would be sent now. */
  ready(): boolean
  /** Sends request `id` now; false when there is no welcomed connection (nothing sent). */
  send(id: number, request: StrongRequest): boolean
}

interface Pending {
  readonly resolve: (result: StrongResult) => void
  readonly reject: (error: Error) => void
  readonly timer: unknown
}

/**
 * The client's strong operations in flight: one promise per request id,
 * settled by the server's answer, a lost connection or a deadline
 * ([STRONG-5]). Never queues: a request that cannot be sent now is refused.
 */
export class StrongCalls implements StrongClient {
  private readonly pending = new Map<number, Pending>()
  private nextId = 1

  constructor(
    private readonly wire: StrongWire | undefined,
    private readonly timers: Timers,
    private readonly timeoutMs: number,
  ) {}

  get available(): boolean {
    return this.wire?.ready() ?? false
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

  /** The server answered request `id`. */
  answered(id: number, answer: StrongResult | StrongFailure): void {
    const p = this.take(id)
    if (!p) return
    if ('message' in answer) p.reject(strongFailureError(answer, 'the server'))
    else p.resolve(answer)
  }

  /** The connection closed: every request in flight may or may not have happened. */
  connectionLost(why: string): void {
    for (const id of [...this.pending.keys()]) {
      this.take(id)?.reject(new WeftOutcomeUnknownError('connection-lost', `the connection to the server closed before the answer (${why})`))
    }
  }

  private call(request: StrongRequest): Promise<StrongResult> {
    const id = this.nextId++
    return new Promise<StrongResult>((resolve, reject) => {
      const timer = this.timers.setTimeout(() => {
        this.take(id)?.reject(new WeftOutcomeUnknownError('timeout', `no answer from the server within ${this.timeoutMs} ms`))
      }, this.timeoutMs)
      this.pending.set(id, { resolve, reject, timer })
      let sent: boolean
      try {
        // Throws WeftStrongInputError for bad arguments, before anything is written.
        sent = this.wire?.send(id, request) ?? false
      } catch (e) {
        this.take(id)
        reject(e)
        return
      }
      if (!sent) {
        this.take(id)
        reject(
          new WeftUnavailableError(
            'offline',
            this.wire
              ? 'this client is not connected to the server now; strong operations never run offline and are not queued'
              : 'this client has no server (no url); strong operations need one',
          ),
        )
      }
    })
  }

  private take(id: number): Pending | undefined {
    const p = this.pending.get(id)
    if (!p) return undefined
    this.pending.delete(id)
    this.timers.clearTimeout(p.timer)
    return p
  }
}
