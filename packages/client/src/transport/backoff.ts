/** Exponential backoff with jitter for reconnects. */
export interface BackoffOptions {
  /** Delay scale of the first retry. Default 500 ms. */
  baseMs?: number
  /** Upper bound of any delay. Default 30 s. */
  maxMs?: number
  /** Uniform [0, 1); injectable for deterministic tests. */
  random?: () => number
}

/**
 * Delay before retry number `attempt` (0-based): "equal jitter", half fixed and
 * half random, so clients that dropped together don't reconnect together, yet
 * no delay collapses to zero.
 */
export function backoffDelay(attempt: number, opts: BackoffOptions = {}): number {
  const base = opts.baseMs ?? 500
  const max = opts.maxMs ?? 30_000
  const random = opts.random ?? Math.random
  const exp = Math.min(max, base * 2 ** Math.min(attempt, 30))
  return Math.round(exp / 2 + random() * (exp / 2))
}
