/**
 * [STORE-2] bookkeeping shared by the stores: once an append of a doc fails,
 * appends of that doc issued before the caller could see the failure fail
 * with the same error. The caller sees a rejection in a microtask, so the
 * mark lasts until the next macrotask (`setImmediate`); anything issued after
 * that was issued knowing of the failure, and is accepted again.
 */
export class FailedDocs {
  private readonly failed = new Map<string, unknown>()

  /** Records that an append of `doc` failed with `error`. */
  mark(doc: string, error: unknown): void {
    if (this.failed.has(doc)) return
    this.failed.set(doc, error)
    setImmediate(() => this.failed.delete(doc))
  }

  /** The failure that an append of `doc` issued now must share, if any. */
  failureOf(doc: string): unknown {
    return this.failed.get(doc)
  }

  has(doc: string): boolean {
    return this.failed.has(doc)
  }

  /**
   * Forgets the failure of `doc` now: its caller is on another thread and
   * said it has seen the failure. This thread's next macrotask is no measure
   * of what that caller saw: its next append can arrive before it.
   */
  forget(doc: string): void {
    this.failed.delete(doc)
  }
}
