import { WeftOutcomeUnknownError, WeftStrongInputError, WeftUnavailableError } from '../strong/strong-errors.js'
import type { ClaimResult, CounterResult, RegisterResult } from '../strong/strong-values.js'
import type { StrongFailure, StrongResult } from './messages/strong.js'
import { WeftSyncError } from './sync-error.js'

/**
 * Turning a strong op's answer back into what the caller gets, for every
 * side that receives one over a wire: the client from its server, a server
 * from the node it forwarded the op to ([STRONG-FAIR-1]).
 */

/** The typed error a failure answer stands for; `from` names who answered, for the message. */
export function strongFailureError(f: StrongFailure, from: string): Error {
  switch (f.kind) {
    case 'unavailable':
      return new WeftUnavailableError(f.code, `${from} refused: ${f.message}`)
    case 'outcome-unknown':
      return new WeftOutcomeUnknownError(f.code, `${from} could not tell: ${f.message}`)
    case 'bad-input':
      return new WeftStrongInputError(f.code, f.message)
    case 'forbidden':
      return new WeftSyncError('forbidden', f.message)
  }
}

export function claimResultOf(r: StrongResult): ClaimResult {
  if (r.kind !== 'claim') throw mismatch(r, 'claim')
  return r.ok === undefined ? { holder: r.holder } : { ok: r.ok, holder: r.holder }
}

export function registerResultOf(r: StrongResult): RegisterResult {
  if (r.kind !== 'register') throw mismatch(r, 'register')
  return r.ok === undefined ? { value: r.value } : { ok: r.ok, value: r.value }
}

export function counterResultOf(r: StrongResult): CounterResult {
  if (r.kind !== 'counter') throw mismatch(r, 'counter')
  return r.ok === undefined ? { value: r.value } : { ok: r.ok, value: r.value }
}

/** An answer of the wrong kind: the op may have run, so its outcome is unknown. */
function mismatch(r: StrongResult, expected: StrongResult['kind']): Error {
  return new WeftOutcomeUnknownError('connection-lost', `a ${expected} operation was answered with a ${r.kind} result`)
}
