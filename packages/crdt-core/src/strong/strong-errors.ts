/**
 * Errors of the strong (CP) operations. Two conditions a caller must tell
 * apart, so each has its own class:
 *
 * - {@link WeftUnavailableError}: refused, and it did NOT happen. Nothing was
 *   sent, or the backend answered "no". Safe to retry later.
 * - {@link WeftOutcomeUnknownError}: the request may or may not have taken
 *   effect (a timeout or a lost connection after it was sent). Read the state
 *   to learn which before acting on it; never assume either way.
 *
 * Bad arguments get a {@link WeftStrongInputError} before anything is sent.
 */

/** Why a strong operation was refused without taking effect. */
export type UnavailableCode =
  | 'offline' // this client has no welcomed connection to a server now; nothing was sent
  | 'overloaded' // the server has too many strong operations of this connection in flight; nothing was applied
  | 'unreachable' // the database / cluster could not be reached (or refused our credentials); nothing was sent
  | 'no-quorum' // the cluster answered but has no leader or majority for the data right now
  | 'contention' // too many concurrent writers on one key: retried and gave up; nothing was applied
  | 'timeout' // the backend itself aborted the operation (e.g. PostgreSQL's statement_timeout); nothing was applied
  | 'closed' // this StrongOps was closed

/**
 * A strong operation was refused and did not take effect: the backend is
 * unreachable, or is in a minority partition, or could not decide in time.
 * Strong operations are never queued for later and never answered locally.
 *
 * @example
 * ```ts
 * try {
 *   await ops.claim('/n/roadmap', userId)
 * } catch (e) {
 *   if (isWeftUnavailableError(e)) showBanner('Cannot reserve a link while offline; try again when connected.')
 *   else throw e
 * }
 * ```
 */
export class WeftUnavailableError extends Error {
  override readonly name = 'WeftUnavailableError'
  readonly code: UnavailableCode
  constructor(code: UnavailableCode, message: string, options?: { cause?: unknown }) {
    super(`${message} (unavailable: ${code}; the operation did not take effect, retry when the backend is reachable)`, options)
    this.code = code
  }
}

/** Every {@link UnavailableCode} (the wire carries the code as a string). */
export const UNAVAILABLE_CODES: readonly UnavailableCode[] = ['offline', 'overloaded', 'unreachable', 'no-quorum', 'contention', 'timeout', 'closed']

/** True when `e` is a {@link WeftUnavailableError}. */
export function isWeftUnavailableError(e: unknown): e is WeftUnavailableError {
  return e instanceof WeftUnavailableError
}

/** Why the outcome of a strong operation is unknown. */
export type OutcomeUnknownCode =
  | 'timeout' // no answer in time after the request was sent
  | 'connection-lost' // the connection broke after the request was sent

/**
 * A strong operation was sent but its answer never came: it may have taken
 * effect, or not, or may still take effect later. Read the key (a linearizable
 * read) to learn the state; a retry of a non-idempotent `add` may apply twice.
 *
 * @example
 * ```ts
 * try {
 *   await ops.add('seats', 1, { max: 10 })
 * } catch (e) {
 *   if (isWeftOutcomeUnknownError(e)) return reconcile(await ops.readCounter('seats'))
 *   throw e
 * }
 * ```
 */
export class WeftOutcomeUnknownError extends Error {
  override readonly name = 'WeftOutcomeUnknownError'
  readonly code: OutcomeUnknownCode
  constructor(code: OutcomeUnknownCode, message: string, options?: { cause?: unknown }) {
    super(`${message} (outcome unknown: ${code}; it may or may not have taken effect, read the state before retrying)`, options)
    this.code = code
  }
}

/** Every {@link OutcomeUnknownCode}. */
export const OUTCOME_UNKNOWN_CODES: readonly OutcomeUnknownCode[] = ['timeout', 'connection-lost']

/** True when `e` is a {@link WeftOutcomeUnknownError}. */
export function isWeftOutcomeUnknownError(e: unknown): e is WeftOutcomeUnknownError {
  return e instanceof WeftOutcomeUnknownError
}

/** What was wrong with the arguments of a strong operation. */
export type StrongInputErrorCode =
  | 'bad-key' // a name / key / counter that is not a non-empty string of at most 512 UTF-8 bytes
  | 'bad-owner' // an owner that is not a non-empty string of at most 512 UTF-8 bytes
  | 'bad-value' // a value that is not plain JSON, or larger than 64 KiB as JSON
  | 'bad-number' // an amount or bound that is not a safe integer, or min > max

/** Every {@link StrongInputErrorCode}. */
export const STRONG_INPUT_ERROR_CODES: readonly StrongInputErrorCode[] = ['bad-key', 'bad-owner', 'bad-value', 'bad-number']

/** Bad arguments to a strong operation; thrown before anything is sent. */
export class WeftStrongInputError extends Error {
  override readonly name = 'WeftStrongInputError'
  readonly code: StrongInputErrorCode
  constructor(code: StrongInputErrorCode, message: string) {
    super(`${message} (strong op input: ${code})`)
    this.code = code
  }
}

/** True when `e` is a {@link WeftStrongInputError}. */
export function isWeftStrongInputError(e: unknown): e is WeftStrongInputError {
  return e instanceof WeftStrongInputError
}
