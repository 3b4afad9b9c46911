import { WeftStrongInputError } from '../strong/strong-errors.js'
import { canonicalJson, checkAdd, checkKey, checkOwner } from '../strong/strong-input.js'
import type { StrongFailure, StrongRequest, StrongResult } from './messages/strong.js'

/**
 * What is wrong with a decoded strong request, by the same checks the
 * backends and the client make ([STRONG-3]); undefined when nothing is.
 */
export function strongInputProblem(r: StrongRequest): WeftStrongInputError | undefined {
  try {
    checkKey(r.key)
    if (r.op === 'claim' || r.op === 'release') checkOwner(r.owner)
    if (r.op === 'compareAndSet') {
      canonicalJson(r.expected)
      canonicalJson(r.next)
    }
    if (r.op === 'add') checkAdd(r.n, { min: r.min, max: r.max })
    return undefined
  } catch (e) {
    if (e instanceof WeftStrongInputError) return e
    throw e
  }
}

/** True when an answer to a strong op is a failure rather than a result. */
export function isStrongFailure(a: StrongResult | StrongFailure): a is StrongFailure {
  return 'message' in a
}
