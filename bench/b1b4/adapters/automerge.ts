/**
 * Automerge 3 in the B1–B4 suite. Every doc starts from one saved base holding `text` (a
 * collaborative string), `array` and `map`, as the suite's Automerge binding does, so all replicas
 * edit the same objects. Each `A.change` is one transaction; its update is `A.getLastLocalChange`,
 * applied with `A.applyChanges` (all of a batch in one call). Strings set in the map are
 * `ImmutableString`s (plain values, like the other libraries' map strings, not text CRDTs). The
 * state is `A.save`, loaded with `A.load`.
 */
import * as A from '@automerge/automerge'
import { idWords } from '../prng.js'
import type { SuiteAdapter, SuiteDoc, SuiteValue } from './types.js'

type Shape = {
  text: string
  array: unknown[]
  map: Record<string, unknown>
}
type Doc = A.Doc<Shape>

/** The base every created doc loads: made once per process by a fixed actor. */
let base: Uint8Array | undefined

function baseState(): Uint8Array {
  base ??= A.save(A.from<Shape>({ text: '', array: [], map: {} }, { actor: '00'.repeat(16) }))
  return base
}

const TEXT = ['text']

function toMapValue(v: SuiteValue): unknown {
  return typeof v === 'string' ? new A.ImmutableString(v) : v
}

function wrap(start: Doc, onUpdate: (u: Uint8Array) => void): SuiteDoc {
  let doc = start
  let draft: Shape | null = null
  const edit = (fn: (d: Shape) => void): void => {
    if (draft !== null) return fn(draft)
    const next = A.change(doc, (d) => {
      draft = d
      try {
        fn(d)
      } finally {
        draft = null
      }
    })
    if (next === doc) return
    doc = next
    const change = A.getLastLocalChange(doc)
    if (change !== undefined) onUpdate(change)
  }
  return {
    insertText: (i, s) => edit((d) => A.splice(d, TEXT, i, 0, s)),
    deleteText: (i, n) => edit((d) => A.splice(d, TEXT, i, n)),
    text: () => doc.text,
    insertArray: (i, values) => edit((d) => d.array.splice(i, 0, ...values)),
    array: () => doc.array,
    setMap: (k, v) =>
      edit((d) => {
        d.map[k] = toMapValue(v)
      }),
    map() {
      const out: Record<string, unknown> = {}
      for (const [k, v] of Object.entries(doc.map)) out[k] = A.isImmutableString(v) ? v.toString() : v
      return out
    },
    transact: (fn) => edit(() => fn()),
    applyUpdate(u) {
      ;[doc] = A.applyChanges(doc, [u])
    },
    applyUpdates(updates) {
      ;[doc] = A.applyChanges(doc, [...updates])
    },
    encodeState: () => A.save(doc),
  }
}

export const automergeSuite: SuiteAdapter = {
  create(onUpdate, seed) {
    // Automerge's default actor ids are 16 random bytes.
    const actor = idWords(seed, 4)
      .map((w) => w.toString(16).padStart(8, '0'))
      .join('')
    return wrap(A.load<Shape>(baseState(), { actor }), onUpdate)
  },
  load: (state) => wrap(A.load<Shape>(state), () => {}),
}
