import type { Container } from '../containers/container.js'
import type { IdRange } from '../sequence/sequence.js'

/**
 * Where undo and redo put deleted items back: restored content is new items with new ids, so a
 * step recorded before the restore (undo "typed x" after undoing and redoing its deletion) must
 * look for the items under their new ids. Ids are followed to the newest copy.
 */
export class RestoredIds {
  /** Per container, `replica:counter` of a deleted item → the id of the item restoring it. */
  private readonly byContainer = new Map<Container, Map<string, { replica: number; counter: number }>>()

  /** `runs` (in order) were restored as `replica`'s items from `counter` on. */
  record(container: Container, runs: readonly IdRange[], replica: number, counter: number): void {
    let map = this.byContainer.get(container)
    if (map === undefined) this.byContainer.set(container, (map = new Map()))
    let next = counter
    for (const run of runs) for (let k = 0; k < run.len; k++) map.set(`${run.replica}:${run.counter + k}`, { replica, counter: next++ })
  }

  /** Whether any item of `container` was restored (else every id is current). */
  has(container: Container): boolean {
    return this.byContainer.has(container)
  }

  /** The newest item restoring (replica, counter), or that item itself. */
  current(container: Container, replica: number, counter: number): { replica: number; counter: number } {
    const map = this.byContainer.get(container)
    let at = { replica, counter }
    if (map === undefined) return at
    for (let next = map.get(`${replica}:${counter}`); next !== undefined; next = map.get(`${at.replica}:${at.counter}`)) at = next
    return at
  }

  clear(): void {
    this.byContainer.clear()
  }
}
