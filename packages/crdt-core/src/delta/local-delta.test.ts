import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { ContainerId, ContainerKind } from '../containers/kind.js'
import type { InsertOp } from '../sequence/sequence.js'
import type { VersionVector } from '../version-vector.js'
import { depsFrom, insertOp as insertOfIds } from '../test-support/ops.js'
import { type CompactFormat, compactFormatOf, decodeDelta, encodeDelta } from './codec.js'
import { LocalDeltaEncoder } from './local-delta.js'
import { NO_DEPS, type ContainerDelta, type StoredValueOp } from './types.js'

/**
 * The local-transaction encoder must write exactly what the general encoder
 * does, in v5 (dense ops, the default), v4 (compact counters) and v1-v3, on
 * its text-edit path and on its fallback alike.
 */

const replicaId = fc.oneof(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }))
const counter = fc.oneof(fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 1, max: 2 ** 52 }))
/** Text as typed (ASCII, the direct path) and anything else (lone surrogates, emoji: the fallback). */
const text = fc.oneof(fc.string({ minLength: 1, maxLength: 8 }), fc.string({ minLength: 1, maxLength: 80, unit: 'binary' }))

function origin(ids: fc.Arbitrary<number>): fc.Arbitrary<[number, number]> {
  return fc.oneof(fc.constant<[number, number]>([0, 0]), fc.tuple(ids, counter))
}

function insertOp(ids: fc.Arbitrary<number>, kind: 'text' | 'list'): fc.Arbitrary<InsertOp> {
  const content = kind === 'text' ? text : fc.array(fc.oneof(fc.integer(), fc.string(), fc.boolean(), fc.constant(null)), { minLength: 1, maxLength: 4 })
  return fc
    .record({ replica: ids, counter, ol: origin(ids), or: origin(ids), deleted: fc.boolean(), content })
    .map(({ replica, counter, ol, or, deleted, content }) => insertOfIds(replica, counter, content, ol, or, deleted))
}

function deleteOp(ids: fc.Arbitrary<number>) {
  return fc
    .record({
      replica: fc.oneof(ids, fc.constant(0)),
      counter,
      ranges: fc.array(fc.record({ replica: ids, counter, len: fc.integer({ min: 1, max: 2 ** 20 }) }), { minLength: 1, maxLength: 4 }),
    })
    .map((d) => (d.replica === 0 ? { ...d, counter: 0 } : d))
}

const valueOp: fc.Arbitrary<StoredValueOp> = fc.oneof(
  fc.record({ type: fc.constant('json' as const), value: fc.oneof(fc.integer(), fc.string(), fc.constant(null)) }),
  fc.record({ type: fc.constant('container' as const), kind: fc.constantFrom<ContainerKind>('text', 'list', 'map', 'counter') }),
  fc.constant({ type: 'deleted' as const }),
)

function containerId(ids: fc.Arbitrary<number>, kind: ContainerKind): fc.Arbitrary<ContainerId> {
  return fc.oneof(
    fc
      .string({ maxLength: 6, unit: fc.oneof(fc.constantFrom('t', 'x', 'é'), fc.string({ minLength: 1, maxLength: 1 })) })
      .map((name) => ({ kind, name, replica: 0, counter: 0 })),
    fc.tuple(ids, counter).map(([replica, counter]) => ({ kind, name: null, replica, counter })),
  )
}

const NONE: never[] = []

function containerDelta(ids: fc.Arbitrary<number>): fc.Arbitrary<ContainerDelta> {
  return fc.constantFrom<ContainerKind>('text', 'text', 'list', 'map', 'counter').chain((kind): fc.Arbitrary<ContainerDelta> => {
    const id = containerId(ids, kind)
    if (kind === 'text' || kind === 'list') {
      return fc.record({
        id,
        inserts: fc.array(insertOp(ids, kind), { maxLength: 2 }),
        deletes: fc.array(deleteOp(ids), { maxLength: 2 }),
        entries: fc.constant(NONE),
        counts: fc.constant(NONE),
      })
    }
    if (kind === 'map') {
      const entry = fc.record({ key: fc.string({ maxLength: 5 }), replica: ids, counter, lamport: counter, value: valueOp })
      return fc.record({
        id,
        inserts: fc.constant(NONE),
        deletes: fc.constant(NONE),
        entries: fc.array(entry, { minLength: 1, maxLength: 3 }),
        counts: fc.constant(NONE),
      })
    }
    const count = fc.record({ replica: ids, counter, total: fc.integer({ min: -(2 ** 52), max: 2 ** 52 - 1 }) })
    return fc.record({
      id,
      inserts: fc.constant(NONE),
      deletes: fc.constant(NONE),
      entries: fc.constant(NONE),
      counts: fc.array(count, { minLength: 1, maxLength: 1 }),
    })
  })
}

/** A local transaction: its replica, dot range, dependencies and container deltas over a small pool of replica ids. */
const transaction = fc.uniqueArray(replicaId, { minLength: 1, maxLength: 4 }).chain((pool) => {
  const ids = fc.constantFrom(...pool)
  const deps = fc.dictionary(ids.map(String), fc.oneof(fc.constant(0), counter), { maxKeys: 3 }) as fc.Arbitrary<VersionVector>
  // Often the keystroke shape (one text container, at most one insert and one delete), else any mix.
  const keystroke = fc.record({
    id: containerId(ids, 'text'),
    inserts: fc.array(insertOp(ids, 'text'), { maxLength: 1 }),
    deletes: fc.array(deleteOp(ids), { maxLength: 1 }),
    entries: fc.constant(NONE),
    counts: fc.constant(NONE),
  })
  const containers = fc.oneof(
    keystroke.map((c) => [c]),
    fc.tuple(containerDelta(ids)).map(([c]) => [c]),
    fc.array(containerDelta(ids), { minLength: 0, maxLength: 3 }),
  )
  const tx = fc.record({ replica: fc.constant(pool[0]!), from: fc.nat(2 ** 40), len: fc.integer({ min: 1, max: 1000 }), deps, containers })
  // Half as a document writes them: v5 leaves out the dots of such ops.
  return fc.oneof(tx, tx.map(atOwnDots))
})

type Transaction = { replica: number; from: number; len: number; deps: VersionVector; containers: ContainerDelta[] }

/**
 * The transaction with every op at its own replica's next dots, in the order
 * the encoders write ops (per container: inserts, deletes, entries, counts),
 * and its range just covering them.
 */
function atOwnDots(t: Transaction): Transaction {
  let next = t.from + 1
  const at = <T extends { replica: number; counter: number }>(op: T, len: number): T => {
    const moved = { ...op, replica: t.replica, counter: next }
    next += len
    return moved
  }
  const containers = t.containers.map((c) => ({
    ...c,
    inserts: c.inserts.map((op) => at(op, op.len)),
    deletes: c.deletes.map((d) => at(d, 1)),
    entries: c.entries.map((e) => at(e, 1)),
    counts: c.counts.map((k) => at(k, 1)),
  }))
  return { ...t, containers, len: Math.max(1, next - 1 - t.from) }
}

describe('LocalDeltaEncoder', () => {
  it.each([6, 5, 4, undefined] as (CompactFormat | undefined)[])('writes the same bytes as encodeDelta for random transactions (format %s)', (format) => {
    const encoder = new LocalDeltaEncoder(format)
    let direct = 0
    fc.assert(
      fc.property(transaction, ({ replica, from, len, deps: vv, containers }) => {
        // A transaction never depends on its own replica (its previous dot is its range's start): [SYNC-DEPS-1].
        const deps = depsFrom(Object.fromEntries(Object.entries(vv).filter(([r]) => Number(r) !== replica)))
        const expected = encodeDelta({ isState: false, deps, ranges: [{ replica, from, to: from + len }], containers }, undefined, format)
        const c = containers[0]
        if (containers.length === 1 && c!.id.kind === 'text' && c!.inserts.length <= 1 && c!.deletes.length <= 1) {
          const out = encoder.encodeTextEdit(replica, from, from + len, deps, c!)
          if (out !== undefined) {
            direct++
            expect(Buffer.from(out).toString('hex')).toBe(Buffer.from(expected).toString('hex'))
          }
        }
        expect(Buffer.from(encoder.encode(replica, from, from + len, deps, containers)).toString('hex')).toBe(Buffer.from(expected).toString('hex'))
        // Whatever v4 or v5 wrote decodes as its v1 form does (or both are refused), and what it decodes to round-trips.
        const written = compactFormatOf(expected)
        if (written !== undefined) {
          const plain = encodeDelta({ isState: false, deps, ranges: [{ replica, from, to: from + len }], containers })
          const decode = (bytes: Uint8Array) => {
            try {
              return decodeDelta(bytes)
            } catch (e) {
              return (e as Error).name
            }
          }
          const fromCompact = decode(expected)
          expect(fromCompact).toEqual(decode(plain))
          if (typeof fromCompact !== 'string' && fromCompact.droppedEmpty === undefined) {
            expect(decode(encodeDelta(fromCompact, undefined, written))).toEqual(fromCompact)
          }
        }
      }),
      { numRuns: 3000 },
    )
    // The direct path must really have been exercised, not only the fallback.
    // (In v4, random origins of the op's own replica that are not before it go to the general writer.)
    expect(direct).toBeGreaterThan(format !== undefined ? 300 : 500)
  })

  it('takes the direct path for a keystroke and falls back for non-ASCII text', () => {
    const encoder = new LocalDeltaEncoder(undefined)
    const op = (content: string): ContainerDelta => ({
      id: { kind: 'text', name: 'body', replica: 0, counter: 0 },
      inserts: [{ replica: 5, counter: 1, len: content.length, olReplica: 0, olCounter: 0, orReplica: 0, orCounter: 0, deleted: false, content }],
      deletes: [],
      entries: [],
      counts: [],
    })
    expect(encoder.encodeTextEdit(5, 0, 2, NO_DEPS, op('hi'))).toBeDefined()
    expect(encoder.encodeTextEdit(5, 0, 2, NO_DEPS, op('hé'))).toBeUndefined()
    // The golden keystroke of golden.test.ts.
    expect(Buffer.from(encoder.encode(5, 0, 2, NO_DEPS, [op('hi')])).toString('hex')).toBe('01000105000101000201010004626f64790101010200000002686900')
    // And in v4, the first vector of GOLDEN_V4.
    const compact = new LocalDeltaEncoder(4)
    expect(compact.encodeTextEdit(5, 0, 2, NO_DEPS, op('hi'))).toBeDefined()
    expect(Buffer.from(compact.encode(5, 0, 2, NO_DEPS, [op('hi')])).toString('hex')).toBe('040001050001010002010804626f647901010004000002686900')
    // And in v5, the first vector of GOLDEN_V5.
    const dense = new LocalDeltaEncoder(5)
    expect(dense.encodeTextEdit(5, 0, 2, NO_DEPS, op('hi'))).toBeDefined()
    expect(Buffer.from(dense.encode(5, 0, 2, NO_DEPS, [op('hi')])).toString('hex')).toBe('051c01050100024804626f6479011200006869')
  })
})
