/**
 * Strong operations: linearizable claim / compare-and-set / bounded add.
 *
 * These are CP, not AP. Unlike every CRDT edit in Weft, they do not work
 * offline and are never merged: each one is decided by a single authority (a
 * PostgreSQL primary, or a JetStream Raft majority) at one instant between its
 * call and its return, and every client sees the same order. When that
 * authority cannot be reached they fail with {@link WeftUnavailableError}
 * (nothing happened) or, when the request was sent but no answer came, with
 * {@link WeftOutcomeUnknownError} (it may have happened). They are never
 * queued for later and never answered from a local copy.
 */
import type { ClaimResult, CounterBounds, CounterResult, RegisterResult, StrongValue, WeftOutcomeUnknownError, WeftUnavailableError } from '@weft/crdt-core'

export type { ClaimResult, CounterBounds, CounterResult, RegisterResult, StrongValue } from '@weft/crdt-core'

/**
 * Linearizable operations over three independent key spaces: claims (names
 * with at most one holder), registers (compare-and-set JSON values) and
 * bounded counters. A name used in one space is unrelated to the same name in
 * another. Each method either resolves with the outcome, or rejects with
 * {@link WeftUnavailableError} (it did not happen), {@link WeftOutcomeUnknownError}
 * (it may have happened) or `WeftStrongInputError` (bad arguments, nothing sent).
 *
 * Two implementations: `PgStrongOps` (PostgreSQL, one region) and
 * `JetStreamStrongOps` (NATS JetStream KV with three replicas), plus
 * `MemoryStrongOps` for unit tests; all pass `runStrongOpsContract`.
 *
 * @example
 * ```ts
 * const ops = await PgStrongOps.open({ connectionString: 'postgres://127.0.0.1/weft' })
 * const link = await ops.claim('/n/trip-to-lisbon', userId)
 * if (!link.ok) alert(`That link belongs to ${link.holder}`)
 * const seat = await ops.add('seats:flight-7', 1, { max: 10 })   // refused past 10
 * const cas = await ops.compareAndSet('doc:42:owner', null, userId) // set only if absent
 * ```
 */
export interface StrongOps {
  /**
   * Takes `name` for `owner` if it is free or already theirs (ok: true);
   * otherwise changes nothing (ok: false) and says who holds it.
   */
  claim(name: string, owner: string): Promise<ClaimResult>
  /** Frees `name` if `owner` holds it (ok: true); otherwise changes nothing (ok: false). */
  release(name: string, owner: string): Promise<ClaimResult>
  /** Who holds `name` now (linearizable: never an older holder than a completed claim or release left). */
  readClaim(name: string): Promise<ClaimResult>
  /**
   * Sets `key` to `next` if its value deep-equals `expected` (object key order
   * ignored; null matches an absent key; `next` null deletes it). Resolves with
   * whether it did and the value after.
   */
  compareAndSet(key: string, expected: StrongValue, next: StrongValue): Promise<RegisterResult>
  /** The value of `key` now (linearizable), null when absent. */
  read(key: string): Promise<RegisterResult>
  /**
   * Adds `n` (a safe integer, may be negative) to `counter` (0 when new) if
   * the sum stays within `bounds`; otherwise changes nothing (ok: false).
   * Resolves with the value after.
   */
  add(counter: string, n: number, bounds?: CounterBounds): Promise<CounterResult>
  /** The value of `counter` now (linearizable), 0 when never added to. */
  readCounter(counter: string): Promise<CounterResult>
  /** Releases connections; later calls reject with WeftUnavailableError('closed'). */
  close(): Promise<void>
}

/** The errors a {@link StrongOps} method rejects with besides bad input (for docs and exhaustive handling). */
export type StrongOpsFailure = WeftUnavailableError | WeftOutcomeUnknownError
