/**
 * Loro adapter. Each trace txn is a batch of LoroText edits closed by `doc.commit()`; its update is
 * the bytes `doc.subscribeLocalUpdates` delivers (synchronously) for that commit.
 */
import { LoroDoc, type LoroText } from 'loro-crdt'
import type { Patch } from '../traces.js'
import { META } from './meta.js'
import { forEachEdit, type CrdtAdapter } from './types.js'

const NAME = 'text'

function edit(doc: LoroDoc, text: LoroText, patches: readonly Patch[]): void {
  forEachEdit(
    patches,
    (pos, n) => text.delete(pos, n),
    (pos, s) => text.insert(pos, s),
  )
  doc.commit()
}

function newDoc(peer?: number): LoroDoc {
  const doc = new LoroDoc()
  if (peer !== undefined) doc.setPeerId(peer)
  return doc
}

/** A replica, its text, and the update its last commit produced (one subscription for its life). */
interface Replica {
  readonly doc: LoroDoc
  readonly text: LoroText
  last: Uint8Array
}

export const loro: CrdtAdapter<LoroDoc, Replica> = {
  name: 'loro',
  ...META.loro,
  localApply(trace) {
    const doc = newDoc()
    const text = doc.getText(NAME)
    const updates: Uint8Array[] = []
    doc.subscribeLocalUpdates((u) => {
      updates.push(u)
    })
    for (const txn of trace.txns) edit(doc, text, txn.patches)
    return { doc, updates }
  },
  remoteApply(updates) {
    const doc = newDoc()
    for (const u of updates) doc.import(u)
    return doc
  },
  text: (doc) => doc.getText(NAME).toString(),
  snapshot: (doc) => doc.export({ mode: 'snapshot' }),
  load: (bytes) => LoroDoc.fromSnapshot(bytes),
  replicas: {
    create(agent) {
      const doc = newDoc(agent + 1)
      const r: Replica = { doc, text: doc.getText(NAME), last: new Uint8Array(0) }
      doc.subscribeLocalUpdates((u) => {
        r.last = u
      })
      return r
    },
    edit(r, patches) {
      edit(r.doc, r.text, patches)
      return r.last
    },
    apply: (r, u) => {
      r.doc.import(u)
    },
    text: (r) => r.text.toString(),
  },
}
