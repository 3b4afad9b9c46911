/** The strong operations' errors live in crdt-core, so server and client throw the same classes. */
export {
  WeftUnavailableError,
  WeftOutcomeUnknownError,
  WeftStrongInputError,
  isWeftUnavailableError,
  isWeftOutcomeUnknownError,
  isWeftStrongInputError,
} from '@weft/crdt-core'
export type { UnavailableCode, OutcomeUnknownCode, StrongInputErrorCode } from '@weft/crdt-core'
