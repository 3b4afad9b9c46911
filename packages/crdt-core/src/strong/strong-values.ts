/**
 * Values and results of the strong (CP) operations, shared by the server's
 * backends (`StrongOps` in @weft/server), the wire ([STRONG-1]) and the
 * client API (`client.strong` in @weft/client).
 */

/** A JSON value held by a compare-and-set register; `null` means absent. */
export type StrongValue = null | boolean | number | string | readonly StrongValue[] | { readonly [key: string]: StrongValue }

/** The result of `claim` / `release` / `readClaim`. */
export interface ClaimResult {
  /** Whether the claim or release took effect; absent for `readClaim`. */
  readonly ok?: boolean
  /** Who holds the name after the operation (null: free). */
  readonly holder: string | null
}

/** The result of `compareAndSet` / `read`. */
export interface RegisterResult {
  /** Whether the compare-and-set took effect; absent for `read`. */
  readonly ok?: boolean
  /** The register's value after the operation (null: absent). */
  readonly value: StrongValue
}

/** The result of `add` / `readCounter`. */
export interface CounterResult {
  /** Whether the add took effect; absent for `readCounter`. */
  readonly ok?: boolean
  /** The counter's value after the operation. */
  readonly value: number
}

/** Bounds of a bounded counter: an `add` that would leave them is refused. */
export interface CounterBounds {
  /** Lowest value allowed (default -(2^53 - 1)). */
  readonly min?: number
  /** Highest value allowed (default 2^53 - 1). */
  readonly max?: number
}
