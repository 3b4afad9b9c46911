import type { MapEntryOp } from '../delta/types.js'
import { assertJsonValue, cloneJson, type JsonValue } from '../values.js'
import type { ContainerByKind } from './container.js'
import { containerToJSON } from './to-json.js'
import { CONTAINER_KIND } from './container-ref.js'
import type { DocCore } from './doc-core.js'
import type { Transaction } from '../doc/transaction.js'
import type { ContainerId, ContainerKind } from './kind.js'
import { checkKeyLength } from '../limits.js'

/** The current write of a key: last-writer-wins on (lamport, replica). */
export interface MapEntry {
  /** JSON value or nested container; undefined when the key was deleted. */
  value: unknown
  deleted: boolean
  lamport: number
  replica: number
  counter: number
}

/**
 * A collaborative map from string keys to JSON values or nested containers.
 * Keys such as `__proto__` are ordinary keys.
 *
 * @example
 * const meta = doc.getMap('meta')
 * meta.set('title', 'Groceries')
 * meta.get('title') // 'Groceries'
 */
export class WeftMap {
  readonly [CONTAINER_KIND] = 'map' as const
  /** Which kind of container this is. */
  readonly kind = 'map' as const
  /** @internal */
  readonly entries = new Map<string, MapEntry>()

  /** @internal */
  constructor(
    private readonly doc: DocCore,
    /** @internal */ readonly id: ContainerId,
  ) {}

  set(key: string, value: JsonValue): void {
    checkKey(key)
    assertJsonValue(value, `map.set('${key}')`)
    const stored = cloneJson(value)
    this.write(key, stored, { type: 'json', value: stored })
  }

  /** Sets `key` to a new nested container and returns it. */
  setContainer<K extends ContainerKind>(key: string, kind: K): ContainerByKind[K] {
    checkKey(key)
    this.doc.checkNestable(this)
    const tx = this.doc.beginImplicit()
    try {
      const counter = this.doc.allocateCounters(1)
      const created = this.doc.nestedContainer(kind, this.doc.replicaId, counter, this) as ContainerByKind[K]
      this.writeAt(tx, key, counter, created, { type: 'container', kind })
      return created
    } finally {
      this.doc.endImplicit(tx)
    }
  }

  delete(key: string): void {
    checkKey(key)
    if (!this.has(key)) return
    this.write(key, undefined, { type: 'deleted' })
  }

  get(key: string): unknown {
    const e = this.entries.get(key)
    return e === undefined || e.deleted ? undefined : e.value
  }

  has(key: string): boolean {
    const e = this.entries.get(key)
    return e !== undefined && !e.deleted
  }

  /** Keys in sorted order (the same on every replica). */
  keys(): string[] {
    const out: string[] = []
    for (const [k, e] of this.entries) if (!e.deleted) out.push(k)
    return out.sort()
  }

  get size(): number {
    let n = 0
    for (const e of this.entries.values()) if (!e.deleted) n++
    return n
  }

  toJSON(): Record<string, unknown> {
    // Iterative over nested containers (see to-json.ts).
    return containerToJSON(this) as Record<string, unknown>
  }

  /** @internal Joins a remote write; returns true when it won. */
  applyEntry(op: MapEntryOp, value: unknown): boolean {
    const cur = this.entries.get(op.key)
    if (cur !== undefined && (cur.lamport > op.lamport || (cur.lamport === op.lamport && cur.replica >= op.replica))) return false
    this.entries.set(op.key, { value, deleted: op.value.type === 'deleted', lamport: op.lamport, replica: op.replica, counter: op.counter })
    return true
  }

  private write(key: string, value: unknown, op: MapEntryOp['value']): void {
    const tx = this.doc.beginImplicit()
    try {
      this.writeAt(tx, key, this.doc.allocateCounters(1), value, op)
    } finally {
      this.doc.endImplicit(tx)
    }
  }

  private writeAt(tx: Transaction, key: string, counter: number, value: unknown, opValue: MapEntryOp['value']): void {
    const doc = this.doc
    const lamport = doc.nextLamport()
    const prev = this.entries.get(key)
    if (tx.trackUndo) tx.undo({ type: 'map-set', container: this, key, had: prev !== undefined && !prev.deleted, previous: prev?.value })
    this.entries.set(key, { value, deleted: opValue.type === 'deleted', lamport, replica: doc.replicaId, counter })
    tx.recordEntry(this, { key, replica: doc.replicaId, counter, lamport, value: opValue })
  }
}

function checkKey(key: string): void {
  if (typeof key !== 'string') throw new TypeError(`map keys are strings, got ${typeof key}`)
  checkKeyLength(key, 'a map key')
}
