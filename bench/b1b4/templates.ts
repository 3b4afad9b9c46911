/**
 * How each group is measured, following the suite's definitions. Every template reports:
 *
 * - `ms` — the suite's `time`: B1 the edits and a second client applying every update; B2 both
 *   clients' transactions and the sync (each applies the other's update); B3 one client applying
 *   all clients' updates; B4 the replay. Each ends with the content check, as in the suite.
 * - `updateFigure` — the suite's update size for the group: B1 bytes per change
 *   (`avgUpdateSize`), B2 bytes per client update, B3 and B4 all updates' bytes.
 * - `docBytes`, `encodeMs` — the final doc's state, and the time to encode it.
 * - `parseMs` — decoding that state into a fresh doc and reading its content.
 *
 * Timed sections go through `Timer`, which the worker implements (GC before each, an optional CPU
 * profile or callgrind instruction count of exactly that section).
 */
import type { SuiteAdapter, SuiteDoc } from './adapters/types.js'
import type { B1Plan, B2Plan, B3Plan, B4Plan, Plan } from './scenarios.js'

export type SectionName = 'time' | 'encode' | 'parse'

export interface Timer {
  /** Runs `fn` as the named section: its wall time, and the CPU time of the process over it. */
  section<T>(name: SectionName, fn: () => T): { value: T; ms: number; cpuMs: number }
}

export interface RunFigures {
  readonly ms: number
  /** CPU time (user + system, all threads) over the `time` section: steadier than wall time on a shared machine. */
  readonly cpuMs: number
  /** Of `ms`: the local edits (B1, B2, B4). */
  readonly editMs: number
  /** Of `ms`: applying remote updates (B1: the second client; B2: the exchange; B3: all of it). */
  readonly syncMs: number
  readonly updates: number
  readonly updateBytes: number
  readonly updateFigure: number
  readonly docBytes: number
  readonly encodeMs: number
  readonly parseMs: number
  readonly parseCpuMs: number
}

export interface RunOutput {
  readonly figures: RunFigures
  /** The encoded state, for the memory step (decoded again in a fresh process). */
  readonly state: Uint8Array
}

/** Collects a doc's updates: kept (to send on) or only counted. */
class Outbox {
  readonly kept: Uint8Array[] = []
  count = 0
  bytes = 0
  constructor(private readonly keep: boolean) {}
  readonly push = (u: Uint8Array): void => {
    this.count++
    this.bytes += u.byteLength
    if (this.keep) this.kept.push(u)
  }
}

function encodeAndParse(
  timer: Timer,
  adapter: SuiteAdapter,
  doc: SuiteDoc,
  check: (loaded: SuiteDoc) => void,
): Pick<RunFigures, 'docBytes' | 'encodeMs' | 'parseMs' | 'parseCpuMs'> & { state: Uint8Array } {
  const { value: state, ms: encodeMs } = timer.section('encode', () => doc.encodeState())
  const {
    value: loaded,
    ms: parseMs,
    cpuMs: parseCpuMs,
  } = timer.section('parse', () => {
    const d = adapter.load(state)
    check(d)
    return d
  })
  // Checked inside the section (the read is part of parsing); kept alive until here.
  void loaded
  return { docBytes: state.byteLength, encodeMs, parseMs, parseCpuMs, state }
}

function runB1(adapter: SuiteAdapter, plan: B1Plan, timer: Timer): RunOutput {
  const out = new Outbox(true)
  const doc1 = adapter.create(out.push, 1)
  const doc2 = adapter.create(() => {}, 2)
  let editMs = 0
  const { ms, cpuMs } = timer.section('time', () => {
    const t0 = performance.now()
    for (let i = 0; i < plan.steps; i++) plan.change(doc1, i)
    editMs = performance.now() - t0
    for (const u of out.kept) doc2.applyUpdate(u)
    plan.check(doc1)
    plan.check(doc2)
  })
  const { state, ...rest } = encodeAndParse(timer, adapter, doc1, plan.check)
  const figures = { ms, cpuMs, editMs, syncMs: ms - editMs, updates: out.count, updateBytes: out.bytes, updateFigure: out.bytes / plan.steps, ...rest }
  return { figures, state }
}

function runB2(adapter: SuiteAdapter, plan: B2Plan, timer: Timer): RunOutput {
  const out1 = new Outbox(true)
  const out2 = new Outbox(true)
  const doc1 = adapter.create(out1.push, 1)
  const doc2 = adapter.create(out2.push, 2)
  // The common start, synced before anything is timed or counted.
  doc1.insertText(0, plan.initText)
  doc2.applyUpdates(out1.kept)
  out1.kept.length = 0
  out1.count = 0
  out1.bytes = 0
  let editMs = 0
  const { ms, cpuMs } = timer.section('time', () => {
    const t0 = performance.now()
    doc1.transact(() => plan.change1(doc1))
    doc2.transact(() => plan.change2(doc2))
    editMs = performance.now() - t0
    doc1.applyUpdates(out2.kept)
    doc2.applyUpdates(out1.kept)
    plan.check(doc1, doc2)
  })
  if (out1.count !== 1 || out2.count !== 1) throw new Error(`B2 expects one update per client, got ${out1.count} and ${out2.count}`)
  const bytes = out1.bytes + out2.bytes
  const { state, ...rest } = encodeAndParse(timer, adapter, doc1, (d) => plan.check(d, doc2))
  return { figures: { ms, cpuMs, editMs, syncMs: ms - editMs, updates: 2, updateBytes: bytes, updateFigure: bytes / 2, ...rest }, state }
}

function runB3(adapter: SuiteAdapter, plan: B3Plan, timer: Timer): RunOutput {
  const out = new Outbox(true)
  const docs: SuiteDoc[] = []
  for (let i = 0; i < plan.clients; i++) docs.push(adapter.create(out.push, i + 1))
  docs.forEach((doc, i) => plan.change(doc, i))
  if (out.count < plan.clients) throw new Error(`B3: ${out.count} updates from ${plan.clients} clients`)
  const [doc0, doc1] = docs as [SuiteDoc, SuiteDoc]
  // Client 0 syncs first, untimed, as the reference the timed client is compared with.
  doc0.applyUpdates(out.kept)
  const reference = plan.read(doc0)
  const same = (d: SuiteDoc): void => {
    const got = plan.read(d)
    if (got !== reference) throw new Error(`B3: a client holds ${got.slice(0, 60)}, client 0 ${reference.slice(0, 60)}`)
  }
  const { ms, cpuMs } = timer.section('time', () => {
    doc1.applyUpdates(out.kept)
    same(doc1)
  })
  const { state, ...rest } = encodeAndParse(timer, adapter, doc0, same)
  return { figures: { ms, cpuMs, editMs: 0, syncMs: ms, updates: out.count, updateBytes: out.bytes, updateFigure: out.bytes, ...rest }, state }
}

function runB4(adapter: SuiteAdapter, plan: B4Plan, timer: Timer): RunOutput {
  // Every update is produced, but only counted: the suite's B4 keeps none.
  const out = new Outbox(false)
  const doc = adapter.create(out.push, 1)
  const check = (d: SuiteDoc): void => {
    const text = d.text()
    if (text !== plan.finalText) throw new Error(`B4: final text differs (${text.length} chars, want ${plan.finalText.length})`)
  }
  const edits = plan.edits
  let editMs = 0
  const { ms, cpuMs } = timer.section('time', () => {
    const t0 = performance.now()
    for (let r = 0; r < plan.repeat; r++) {
      for (let i = 0; i < edits.length; i++) {
        const [pos, del, ins] = edits[i]!
        if (del > 0) doc.deleteText(pos, del)
        if (ins.length > 0) doc.insertText(pos, ins)
      }
    }
    editMs = performance.now() - t0
    check(doc)
  })
  const { state, ...rest } = encodeAndParse(timer, adapter, doc, check)
  return { figures: { ms, cpuMs, editMs, syncMs: 0, updates: out.count, updateBytes: out.bytes, updateFigure: out.bytes, ...rest }, state }
}

export function runPlan(adapter: SuiteAdapter, plan: Plan, timer: Timer): RunOutput {
  switch (plan.kind) {
    case 'b1':
      return runB1(adapter, plan, timer)
    case 'b2':
      return runB2(adapter, plan, timer)
    case 'b3':
      return runB3(adapter, plan, timer)
    case 'b4':
      return runB4(adapter, plan, timer)
  }
}

/** Reads everything a loaded doc holds, so the memory step keeps (and a lazy loader builds) it all. */
export function readAll(doc: SuiteDoc): number {
  return doc.text().length + doc.array().length + Object.keys(doc.map()).length
}
