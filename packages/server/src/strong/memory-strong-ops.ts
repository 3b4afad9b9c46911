/**
 * In-memory StrongOps for unit tests and single-process development. It is
 * trivially linearizable (one JavaScript thread decides everything) and, like
 * MemoryStore, keeps its data in an object that outlives one instance so a
 * test can "reopen" it.
 */
import { WeftUnavailableError } from './strong-errors.js'
import { canonicalJson, checkAdd, checkKey, checkOwner, parseValue } from './strong-input.js'
import type { ClaimResult, CounterBounds, CounterResult, RegisterResult, StrongOps, StrongValue } from './strong-ops.js'
import { addStep, casStep, claimStep, releaseStep } from './strong-semantics.js'

/** The data behind one or more {@link MemoryStrongOps} instances. */
export class MemoryStrongOpsData {
  readonly claims = new Map<string, string>()
  /** Canonical JSON per key. */
  readonly registers = new Map<string, string>()
  readonly counters = new Map<string, number>()
}

/**
 * @example
 * ```ts
 * const ops = new MemoryStrongOps()
 * await ops.claim('/n/roadmap', 'alice') // { ok: true, holder: 'alice' }
 * ```
 */
export class MemoryStrongOps implements StrongOps {
  private closed = false

  constructor(private readonly data = new MemoryStrongOpsData()) {}

  async claim(name: string, owner: string): Promise<ClaimResult> {
    checkKey(name, 'name')
    checkOwner(owner)
    this.checkOpen()
    const { next, result } = claimStep(this.data.claims.get(name) ?? null, owner)
    this.setClaim(name, next)
    return result
  }

  async release(name: string, owner: string): Promise<ClaimResult> {
    checkKey(name, 'name')
    checkOwner(owner)
    this.checkOpen()
    const { next, result } = releaseStep(this.data.claims.get(name) ?? null, owner)
    this.setClaim(name, next)
    return result
  }

  async readClaim(name: string): Promise<ClaimResult> {
    checkKey(name, 'name')
    this.checkOpen()
    return { holder: this.data.claims.get(name) ?? null }
  }

  async compareAndSet(key: string, expected: StrongValue, next: StrongValue): Promise<RegisterResult> {
    checkKey(key)
    const e = canonicalJson(expected)
    const n = canonicalJson(next)
    this.checkOpen()
    const step = casStep(this.data.registers.get(key) ?? 'null', e, n, parseValue)
    if (step.next === 'null') this.data.registers.delete(key)
    else this.data.registers.set(key, step.next)
    return step.result
  }

  async read(key: string): Promise<RegisterResult> {
    checkKey(key)
    this.checkOpen()
    return { value: parseValue(this.data.registers.get(key) ?? 'null') }
  }

  async add(counter: string, n: number, bounds?: CounterBounds): Promise<CounterResult> {
    checkKey(counter, 'counter')
    const add = checkAdd(n, bounds)
    this.checkOpen()
    const { next, result } = addStep(this.data.counters.get(counter) ?? 0, add)
    this.data.counters.set(counter, next)
    return result
  }

  async readCounter(counter: string): Promise<CounterResult> {
    checkKey(counter, 'counter')
    this.checkOpen()
    return { value: this.data.counters.get(counter) ?? 0 }
  }

  async close(): Promise<void> {
    this.closed = true
  }

  private setClaim(name: string, holder: string | null): void {
    if (holder === null) this.data.claims.delete(name)
    else this.data.claims.set(name, holder)
  }

  private checkOpen(): void {
    if (this.closed) throw new WeftUnavailableError('closed', 'this StrongOps was closed')
  }
}
