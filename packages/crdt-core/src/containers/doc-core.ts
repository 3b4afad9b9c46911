import type { Transaction } from '../doc/transaction.js'
import type { IdRange } from '../sequence/sequence.js'
import type { Container } from './container.js'
import type { ContainerKind } from './kind.js'

/**
 * What containers need from their document. Implemented by `Doc`; not public API. Members that Doc
 * hides from its declarations (stripInternal) are hidden here too, so the published Doc still
 * implements this interface.
 */
export interface DocCore {
  readonly replicaId: number
  transact(fn: () => void, origin?: unknown): void
  /**
   * @internal
   * Opens an implicit transaction unless one is open; returns it. Pass it to
   * `endImplicit` in a `finally`. (A closure-free `transact` for the hot path:
   * one keystroke is one container call.)
   */
  beginImplicit(): Transaction
  /** @internal */
  endImplicit(tx: Transaction): void
  /** @internal Reserves `n` counters of this replica; returns the first. */
  allocateCounters(n: number): number
  /** @internal */
  nextLamport(): number
  /** @internal Gets or creates the nested container with this id; with `parent`, records that it holds it. */
  nestedContainer(kind: ContainerKind, replica: number, counter: number, parent?: Container): Container
  /** @internal Throws `WeftDepthError` when a container created in `parent` would nest too deep (call before taking a dot). */
  checkNestable(parent: Container): void
  /** @internal */
  logDelete(container: Container, replica: number, counter: number, ranges: IdRange[]): void
}
