import type { OutcomeUnknownCode, StrongInputErrorCode, UnavailableCode } from '../../strong/strong-errors.js'
import type { StrongValue } from '../../strong/strong-values.js'

/**
 * One strong (CP) operation as it travels ([STRONG-1]). Every op names one
 * `key` (a claim's name, a register's key, a counter) in its own key space.
 */
export type StrongRequest =
  | { readonly op: 'claim' | 'release'; readonly key: string; readonly owner: string }
  | { readonly op: 'readClaim' | 'read' | 'readCounter'; readonly key: string }
  | { readonly op: 'compareAndSet'; readonly key: string; readonly expected: StrongValue; readonly next: StrongValue }
  | { readonly op: 'add'; readonly key: string; readonly n: number; readonly min: number; readonly max: number }

export type StrongOpName = StrongRequest['op']

/** What a strong op decided; `ok` is absent for reads. */
export type StrongResult =
  | { readonly kind: 'claim'; readonly ok?: boolean; readonly holder: string | null }
  | { readonly kind: 'register'; readonly ok?: boolean; readonly value: StrongValue }
  | { readonly kind: 'counter'; readonly ok?: boolean; readonly value: number }

/** Why a strong op failed, one closed set per kind ([STRONG-4]). */
export type StrongFailure =
  | { readonly kind: 'unavailable'; readonly code: UnavailableCode; readonly message: string }
  | { readonly kind: 'outcome-unknown'; readonly code: OutcomeUnknownCode; readonly message: string }
  | { readonly kind: 'bad-input'; readonly code: StrongInputErrorCode; readonly message: string }
  | { readonly kind: 'forbidden'; readonly code: 'forbidden'; readonly message: string }

/** Client -> server: run `request`; the answer carries the same `id` ([STRONG-2]). */
export interface StrongMessage {
  readonly type: 'strong'
  /** Chosen by the client, unique among its requests in flight on this connection. */
  readonly id: number
  readonly request: StrongRequest
}

/** Server -> client: request `id` was decided (linearizable: at one instant between request and answer). */
export interface StrongResultMessage {
  readonly type: 'strongResult'
  readonly id: number
  readonly result: StrongResult
}

/** Server -> client: request `id` failed; the kind says whether it may have happened ([STRONG-4]). */
export interface StrongErrorMessage {
  readonly type: 'strongError'
  readonly id: number
  readonly failure: StrongFailure
}

export type StrongProtocolMessage = StrongMessage | StrongResultMessage | StrongErrorMessage
