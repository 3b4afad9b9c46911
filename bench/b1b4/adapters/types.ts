/**
 * The interface the B1–B4 scenarios drive, one implementation per library. Its shape follows the
 * suite's definitions (a shared text, array and map per doc; every edit outside `transact` is its
 * own transaction and emits its own update at once), written here for this bench.
 */

/** Values the scenarios put in arrays and maps: numbers, strings and one small object. */
export type SuiteValue = number | string | { readonly [key: string]: string }

export interface SuiteDoc {
  insertText(index: number, text: string): void
  deleteText(index: number, length: number): void
  text(): string
  insertArray(index: number, values: readonly SuiteValue[]): void
  array(): unknown[]
  setMap(key: string, value: SuiteValue): void
  map(): Record<string, unknown>
  /** Runs `fn` as one transaction: its edits emit a single update. */
  transact(fn: () => void): void
  applyUpdate(update: Uint8Array): void
  /** Applies many updates together (one transaction or one batch call where the library has one). */
  applyUpdates(updates: readonly Uint8Array[]): void
  /** The whole document, in the library's snapshot encoding. */
  encodeState(): Uint8Array
}

export interface SuiteAdapter {
  /**
   * A fresh doc whose local transactions each call `onUpdate` with their update. `seed` (any
   * integer) picks a replica id from the library's own id space, so runs are repeatable yet ids
   * are as wide as the library's defaults.
   */
  create(onUpdate: (update: Uint8Array) => void, seed: number): SuiteDoc
  /** Decodes `encodeState()` output into a fresh doc. */
  load(state: Uint8Array): SuiteDoc
}
