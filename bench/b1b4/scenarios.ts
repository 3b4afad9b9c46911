/**
 * The B1–B4 scenarios of the public crdt-benchmarks suite (dmonad/crdt-benchmarks), defined here
 * from their descriptions: what each client does and what every doc must end up holding. How a
 * scenario is timed is its group's template (templates.ts).
 */
import type { Patch } from '../crdt/traces.js'
import type { SuiteDoc } from './adapters/types.js'
import { chars, insertThenInsertOrDelete, numbers, randomInsertDeletes, randomInserts, randomNumberInserts, type TextOp } from './inputs.js'
import { createPrng, seedOf, type Prng } from './prng.js'

export type Group = 'B1' | 'B2' | 'B3' | 'B4'

/** B1: one client makes `steps` changes, each sent as it happens to a second client. */
export interface B1Plan {
  readonly kind: 'b1'
  readonly steps: number
  change(doc: SuiteDoc, step: number): void
  /** Throws unless `doc` holds the expected result. */
  check(doc: SuiteDoc): void
}

/** B2: two clients start from the same synced text, each makes one transaction, then they sync. */
export interface B2Plan {
  readonly kind: 'b2'
  readonly initText: string
  change1(doc: SuiteDoc): void
  change2(doc: SuiteDoc): void
  /** Throws unless the two docs converged (and, where known, to the expected length). */
  check(a: SuiteDoc, b: SuiteDoc): void
}

/** B3: `clients` clients each make one concurrent change; one client then applies all updates. */
export interface B3Plan {
  readonly kind: 'b3'
  readonly clients: number
  change(doc: SuiteDoc, client: number): void
  /** The converged content, canonical, to compare between docs. */
  read(doc: SuiteDoc): string
}

/** B4: one client replays a real editing trace `repeat` times, one transaction per delete and per insert. */
export interface B4Plan {
  readonly kind: 'b4'
  readonly edits: readonly Patch[]
  readonly repeat: number
  readonly finalText: string
}

export type Plan = B1Plan | B2Plan | B3Plan | B4Plan

export interface PlanContext {
  /** The suite's N (6000 in the published tables). */
  readonly n: number
  /** Edits of the B4 trace (automerge-paper), flattened, and its final text. */
  b4(): { readonly edits: readonly Patch[]; readonly finalText: string }
}

export interface Scenario {
  readonly id: string
  readonly group: Group
  readonly title: string
  /** Only run when asked for by id (too slow for every run). */
  readonly optIn?: boolean
  plan(ctx: PlanContext, p: Prng): Plan
}

function mismatch(what: string, got: string, want: string): Error {
  const clip = (s: string): string => (s.length > 60 ? `${s.slice(0, 60)}… (${s.length} chars)` : s)
  return new Error(`${what}: got ${clip(got)}, want ${clip(want)}`)
}

const expectText = (want: string) => (doc: SuiteDoc) => {
  const got = doc.text()
  if (got !== want) throw mismatch('text', got, want)
}

const expectArray = (want: readonly unknown[]) => {
  const json = JSON.stringify(want)
  return (doc: SuiteDoc) => {
    const got = JSON.stringify(doc.array())
    if (got !== json) throw mismatch('array', got, json)
  }
}

function applyTextOp(doc: SuiteDoc, op: TextOp): void {
  if (op.insert !== undefined) doc.insertText(op.index, op.insert)
  else doc.deleteText(op.index, op.deleteCount ?? 0)
}

/** JSON with sorted object keys, so maps compare equal whatever order a library lists keys in. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  )
}

function b1Text(ops: readonly TextOp[], result: string): B1Plan {
  return { kind: 'b1', steps: ops.length, change: (doc, i) => applyTextOp(doc, ops[i]!), check: expectText(result) }
}

function b2(p: Prng, gen: (p: Prng, init: string) => TextOp[], expectedLength?: number): B2Plan {
  const initText = p.word(100, 100)
  const ops1 = gen(p, initText)
  const ops2 = gen(p, initText)
  return {
    kind: 'b2',
    initText,
    change1: (doc) => ops1.forEach((op) => applyTextOp(doc, op)),
    change2: (doc) => ops2.forEach((op) => applyTextOp(doc, op)),
    check(a, b) {
      const ta = a.text()
      const tb = b.text()
      if (ta !== tb) throw mismatch('client 1 vs client 2 text', ta, tb)
      if (expectedLength !== undefined && ta.length !== expectedLength) throw new Error(`text length ${ta.length}, want ${expectedLength}`)
    },
  }
}

const mapContent = (doc: SuiteDoc): string => canonical(doc.map())
const arrayContent = (doc: SuiteDoc): string => JSON.stringify(doc.array())
const textContent = (doc: SuiteDoc): string => doc.text()

/** The suite's client count for B3: 20·⌊√N⌋ (1,540 for N = 6000). */
export const b3Clients = (n: number): number => Math.floor(Math.sqrt(n)) * 20

export const SCENARIOS: readonly Scenario[] = [
  {
    id: 'B1.1',
    group: 'B1',
    title: 'Append N characters',
    plan({ n }, p) {
      const s = chars(p, n)
      return { kind: 'b1', steps: n, change: (doc, i) => doc.insertText(i, s[i]!), check: expectText(s) }
    },
  },
  {
    id: 'B1.2',
    group: 'B1',
    title: 'Insert string of length N',
    plan({ n }, p) {
      const s = chars(p, n)
      return { kind: 'b1', steps: 1, change: (doc) => doc.insertText(0, s), check: expectText(s) }
    },
  },
  {
    id: 'B1.3',
    group: 'B1',
    title: 'Prepend N characters',
    plan({ n }, p) {
      const s = chars(p, n)
      // Typing the string backwards at the front leaves it in order.
      return { kind: 'b1', steps: n, change: (doc, i) => doc.insertText(0, s[n - 1 - i]!), check: expectText(s) }
    },
  },
  {
    id: 'B1.4',
    group: 'B1',
    title: 'Insert N characters at random positions',
    plan: ({ n }, p) => {
      const { ops, result } = randomInserts(p, n, 1, 1)
      return b1Text(ops, result)
    },
  },
  {
    id: 'B1.5',
    group: 'B1',
    title: 'Insert N words at random positions',
    plan: ({ n }, p) => {
      const { ops, result } = randomInserts(p, n, 2, 10)
      return b1Text(ops, result)
    },
  },
  {
    id: 'B1.6',
    group: 'B1',
    title: 'Insert string, then delete it',
    plan({ n }, p) {
      const s = chars(p, n)
      return {
        kind: 'b1',
        steps: 1,
        change(doc) {
          doc.insertText(0, s)
          doc.deleteText(0, s.length)
        },
        check: expectText(''),
      }
    },
  },
  {
    id: 'B1.7',
    group: 'B1',
    title: 'Insert/Delete strings at random positions',
    plan: ({ n }, p) => {
      const { ops, result } = randomInsertDeletes(p, n)
      return b1Text(ops, result)
    },
  },
  {
    id: 'B1.8',
    group: 'B1',
    title: 'Append N numbers',
    plan({ n }, p) {
      const xs = numbers(p, n)
      return { kind: 'b1', steps: n, change: (doc, i) => doc.insertArray(i, [xs[i]!]), check: expectArray(xs) }
    },
  },
  {
    id: 'B1.9',
    group: 'B1',
    title: 'Insert Array of N numbers',
    plan({ n }, p) {
      const xs = numbers(p, n)
      return { kind: 'b1', steps: 1, change: (doc) => doc.insertArray(0, xs), check: expectArray(xs) }
    },
  },
  {
    id: 'B1.10',
    group: 'B1',
    title: 'Prepend N numbers',
    plan({ n }, p) {
      const xs = numbers(p, n)
      return { kind: 'b1', steps: n, change: (doc, i) => doc.insertArray(0, [xs[i]!]), check: expectArray([...xs].reverse()) }
    },
  },
  {
    id: 'B1.11',
    group: 'B1',
    title: 'Insert N numbers at random positions',
    plan({ n }, p) {
      const { ops, result } = randomNumberInserts(p, n)
      return { kind: 'b1', steps: n, change: (doc, i) => doc.insertArray(ops[i]!.index, [ops[i]!.value]), check: expectArray(result) }
    },
  },
  {
    id: 'B2.1',
    group: 'B2',
    title: 'Concurrently insert string of length N at index 0',
    plan: ({ n }, p) => b2(p, (q) => [{ index: 0, insert: q.word(n, n) }], 2 * n + 100),
  },
  {
    id: 'B2.2',
    group: 'B2',
    title: 'Concurrently insert N characters at random positions',
    plan: ({ n }, p) => b2(p, (q, init) => randomInserts(q, n, 1, 1, init).ops, 2 * n + 100),
  },
  {
    id: 'B2.3',
    group: 'B2',
    title: 'Concurrently insert N words at random positions',
    plan: ({ n }, p) => b2(p, (q, init) => randomInserts(q, n, 3, 9, init).ops),
  },
  {
    id: 'B2.4',
    group: 'B2',
    title: 'Concurrently insert & delete',
    plan: ({ n }, p) => b2(p, (q, init) => insertThenInsertOrDelete(q, n, init)),
  },
  {
    id: 'B3.1',
    group: 'B3',
    title: '20√N clients concurrently set number in Map',
    plan: ({ n }) => ({ kind: 'b3', clients: b3Clients(n), change: (doc, i) => doc.setMap('v', i), read: mapContent }),
  },
  {
    id: 'B3.2',
    group: 'B3',
    title: '20√N clients concurrently set Object in Map',
    plan: ({ n }) => ({
      kind: 'b3',
      clients: b3Clients(n),
      change: (doc, i) => doc.setMap('v', { name: String(i), address: 'here' }),
      read: mapContent,
    }),
  },
  {
    id: 'B3.3',
    group: 'B3',
    title: '20√N clients concurrently set String in Map',
    plan({ n }) {
      const clients = b3Clients(n)
      return { kind: 'b3', clients, change: (doc, i) => doc.setMap('v', String(i).repeat(clients)), read: mapContent }
    },
  },
  {
    id: 'B3.4',
    group: 'B3',
    title: '20√N clients concurrently insert text in Array',
    plan: ({ n }) => ({ kind: 'b3', clients: b3Clients(n), change: (doc, i) => doc.insertArray(0, [String(i)]), read: arrayContent }),
  },
  {
    id: 'B3.5',
    group: 'B3',
    title: '20√N clients concurrently insert text',
    plan: ({ n }) => ({ kind: 'b3', clients: b3Clients(n), change: (doc, i) => doc.insertText(0, String(i)), read: textContent }),
  },
  {
    id: 'B4',
    group: 'B4',
    title: 'Apply real-world editing dataset',
    plan: (ctx) => ({ kind: 'b4', repeat: 1, ...ctx.b4() }),
  },
  {
    id: 'B4x100',
    group: 'B4',
    title: 'Apply real-world editing dataset 100 times',
    optIn: true,
    plan(ctx) {
      const { edits, finalText } = ctx.b4()
      return { kind: 'b4', repeat: 100, edits, finalText: finalText.repeat(100) }
    },
  },
]

export function findScenario(id: string): Scenario {
  const s = SCENARIOS.find((x) => x.id === id)
  if (s === undefined) throw new Error(`no scenario ${id} (have: ${SCENARIOS.map((x) => x.id).join(', ')})`)
  return s
}

/** The scenario's plan, from a PRNG seeded by its id (the same inputs in every process). */
export function planScenario(s: Scenario, ctx: PlanContext): Plan {
  return s.plan(ctx, createPrng(seedOf(s.id)))
}
