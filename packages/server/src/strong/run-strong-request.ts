/**
 * Carries one strong request from a client ([STRONG-2]) to the server's
 * {@link StrongOps} and turns the outcome into the answer the protocol sends.
 */
import {
  type StrongFailure,
  type StrongRequest,
  type StrongResult,
  isWeftOutcomeUnknownError,
  isWeftStrongInputError,
  isWeftUnavailableError,
} from '@weft/crdt-core'
import type { StrongOps } from './strong-ops.js'

/** Runs `request` on `ops`; rejects with whatever the backend rejected with. */
export async function runStrongRequest(ops: StrongOps, r: StrongRequest): Promise<StrongResult> {
  switch (r.op) {
    case 'claim':
      return { kind: 'claim', ...(await ops.claim(r.key, r.owner)) }
    case 'release':
      return { kind: 'claim', ...(await ops.release(r.key, r.owner)) }
    case 'readClaim':
      return { kind: 'claim', ...(await ops.readClaim(r.key)) }
    case 'compareAndSet':
      return { kind: 'register', ...(await ops.compareAndSet(r.key, r.expected, r.next)) }
    case 'read':
      return { kind: 'register', ...(await ops.read(r.key)) }
    case 'add':
      return { kind: 'counter', ...(await ops.add(r.key, r.n, { min: r.min, max: r.max })) }
    case 'readCounter':
      return { kind: 'counter', ...(await ops.readCounter(r.key)) }
  }
}

/**
 * The answer for a backend failure. Anything that is not one of the typed
 * errors is a bug or an unexpected state after the request may have reached
 * the backend, so it is reported as outcome unknown, never as "did not happen".
 */
export function strongFailureOf(error: unknown): StrongFailure {
  if (isWeftUnavailableError(error)) return { kind: 'unavailable', code: error.code, message: bare(error.message) }
  if (isWeftOutcomeUnknownError(error)) return { kind: 'outcome-unknown', code: error.code, message: bare(error.message) }
  if (isWeftStrongInputError(error)) return { kind: 'bad-input', code: error.code, message: bare(error.message) }
  return { kind: 'outcome-unknown', code: 'connection-lost', message: 'the server failed while running the operation' }
}

/** When no backend is configured every request is refused: nothing is ever answered locally. */
export const NO_STRONG_BACKEND: StrongFailure = {
  kind: 'unavailable',
  code: 'unreachable',
  message: 'this server has no strong-operations backend (start it with --strong)',
}

/** The message without the class's own suffix, which the client's error adds back. */
function bare(message: string): string {
  return message.replace(/ \((unavailable|outcome unknown|strong op input): [^)]*\)$/, '')
}
