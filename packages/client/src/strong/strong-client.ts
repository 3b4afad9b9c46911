/**
 * `client.strong`: linearizable claim / compare-and-set / bounded add through
 * the server ([STRONG-2], [STRONG-5]).
 *
 * These are CP, unlike everything else a client does: each call is one round
 * trip to the server, which decides it on its strong-operations backend
 * (PostgreSQL, or a JetStream Raft majority). There is no offline mode. A call
 * made while the client has no welcomed connection rejects at once with
 * `WeftUnavailableError('offline')`; it is never queued and never answered
 * from local state. A call whose connection drops before the answer rejects
 * with `WeftOutcomeUnknownError`: it may have happened.
 */
import type { ClaimResult, CounterBounds, CounterResult, RegisterResult, StrongValue } from '@weft/crdt-core'

/**
 * Linearizable operations, decided by the server. Every method resolves with
 * the outcome or rejects with:
 * - `WeftUnavailableError` — it did NOT happen (`offline`: this client is not
 *   connected; `no-quorum`: the server's backend is in a minority partition;
 *   `unreachable`, `timeout`, `contention`, `overloaded`, `closed`). Retry later.
 * - `WeftOutcomeUnknownError` — sent, but no answer came (connection lost,
 *   timeout): read the key before acting; never blindly retry an `add`.
 * - `WeftStrongInputError` — bad arguments; nothing was sent.
 * - `WeftSyncError('forbidden')` — the token does not grant the key.
 *
 * Keys are authorized like doc ids: changing one needs write access to the
 * key, reading it read access.
 *
 * @example
 * ```ts
 * try {
 *   const r = await client.strong.claim('/n/trip-to-lisbon', userId)
 *   if (!r.ok) show(`That link is taken by ${r.holder}`)
 * } catch (e) {
 *   if (isWeftUnavailableError(e)) show('Links can only be reserved online; your note is saved.')
 *   else throw e
 * }
 * ```
 */
export interface StrongClient {
  /**
   * True while this client has a welcomed connection, so a call now would be
   * sent (for a UI that greys out "reserve link" offline). A call can still
   * be refused by the server's backend (`no-quorum`, `unreachable`).
   */
  readonly available: boolean
  /** Takes `name` for `owner` if it is free or already theirs (ok: true); otherwise says who holds it (ok: false). */
  claim(name: string, owner: string): Promise<ClaimResult>
  /** Frees `name` if `owner` holds it (ok: true); otherwise changes nothing (ok: false). */
  release(name: string, owner: string): Promise<ClaimResult>
  /** Who holds `name` now (a linearizable read, through the server). */
  readClaim(name: string): Promise<ClaimResult>
  /** Sets `key` to `next` if it deep-equals `expected` (null: absent; `next` null deletes). */
  compareAndSet(key: string, expected: StrongValue, next: StrongValue): Promise<RegisterResult>
  /** The value of `key` now (linearizable), null when absent. */
  read(key: string): Promise<RegisterResult>
  /** Adds `n` (a safe integer) to `counter` if the sum stays within `bounds`; otherwise changes nothing (ok: false). */
  add(counter: string, n: number, bounds?: CounterBounds): Promise<CounterResult>
  /** The value of `counter` now (linearizable), 0 when never added to. */
  readCounter(counter: string): Promise<CounterResult>
}
