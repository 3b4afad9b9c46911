/**
 * Automerge 3 adapter. The text lives at `doc.text` (a collaborative string); each trace txn is one
 * `A.change` of `A.splice` calls and its update is `A.getLastLocalChange` (one encoded change).
 * The first update is the change that creates the empty `text` field, which the other libraries
 * do not need (their root text exists implicitly).
 */
import * as A from '@automerge/automerge'
import type { Patch } from '../traces.js'
import { META } from './meta.js'
import { forEachEdit, type CrdtAdapter } from './types.js'

interface TextDoc {
  text: string
}
type Doc = A.Doc<TextDoc>

const PATH = ['text']

function edit(doc: Doc, patches: readonly Patch[]): Doc {
  return A.change(doc, (d) => {
    forEachEdit(
      patches,
      (pos, n) => A.splice(d, PATH, pos, n),
      (pos, s) => A.splice(d, PATH, pos, 0, s),
    )
  })
}

function lastChange(doc: Doc): Uint8Array {
  const c = A.getLastLocalChange(doc)
  if (c === undefined) throw new Error('automerge: change produced no local change')
  return c
}

function createText(actor?: string): Doc {
  const init = actor === undefined ? A.init<TextDoc>() : A.init<TextDoc>({ actor })
  return A.change(init, (d) => {
    d.text = ''
  })
}

/** Automerge replicas are immutable values; the replay mutates this holder instead. */
interface Replica {
  doc: Doc
}

/** One shared base, so that every replica edits the same `text` object. */
let base: Uint8Array | undefined

export const automerge: CrdtAdapter<Doc, Replica> = {
  name: 'automerge',
  ...META.automerge,
  localApply(trace) {
    let doc = createText()
    const updates: Uint8Array[] = [lastChange(doc)]
    for (const txn of trace.txns) {
      doc = edit(doc, txn.patches)
      updates.push(lastChange(doc))
    }
    return { doc, updates }
  },
  remoteApply(updates) {
    let doc = A.init<TextDoc>()
    for (const u of updates) [doc] = A.applyChanges(doc, [u])
    return doc
  },
  text: (doc) => doc.text,
  snapshot: (doc) => A.save(doc),
  load: (bytes) => A.load<TextDoc>(bytes),
  replicas: {
    create(agent) {
      base ??= A.save(createText('00'))
      // Actor ids are hex; a fixed one per agent keeps runs deterministic.
      return { doc: A.load<TextDoc>(base, { actor: (agent + 1).toString(16).padStart(2, '0').repeat(8) }) }
    },
    edit(r, patches) {
      r.doc = edit(r.doc, patches)
      return lastChange(r.doc)
    },
    apply(r, u) {
      ;[r.doc] = A.applyChanges(r.doc, [u])
    },
    text: (r) => r.doc.text,
  },
}
