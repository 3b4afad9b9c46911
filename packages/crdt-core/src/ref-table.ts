/**
 * Small integer refs for the few distinct values a structure sees (replica
 * ids, containers), so typed columns can hold them: a 53-bit id or an object
 * pointer costs 8 bytes a row, a ref 2 or 4. Nothing is ever removed.
 */
export class RefTable<T> {
  /** Value by ref. */
  readonly values: T[] = []
  /** Made on the first value: an empty Map is a few hundred bytes, and most delete logs stay empty. */
  private refs: Map<T, number> | undefined = undefined
  /** The value found last and its ref: consecutive lookups nearly always name the same value. */
  private lastValue: T | undefined = undefined
  private lastRef = -1

  /** `seed` takes refs 0, 1, ... in order (a sequence seeds 0 for "no replica"). */
  constructor(seed: readonly T[] = []) {
    for (const value of seed) this.refOf(value)
  }

  /** The ref of a value seen before, or undefined. */
  find(value: T): number | undefined {
    if (value === this.lastValue && this.lastRef >= 0) return this.lastRef
    const ref = this.refs?.get(value)
    if (ref !== undefined) {
      this.lastValue = value
      this.lastRef = ref
    }
    return ref
  }

  /** The ref of a value, registering it on first sight. */
  refOf(value: T): number {
    let ref = this.find(value)
    if (ref === undefined) {
      ref = this.values.length
      this.values.push(value)
      ;(this.refs ??= new Map()).set(value, ref)
      this.lastValue = value
      this.lastRef = ref
    }
    return ref
  }
}
