/**
 * Weft adapter. Each trace txn is one `doc.transact`; its update is the delta the `delta` event
 * delivers. The snapshot is `doc.encodeState()`, loaded with `Doc.load`.
 *
 * A factory over the `Doc` class, so the bench can measure a pinned copy of the built package
 * (see pin-weft.ts) while tests use the source through `weft.ts`.
 */
import type { Doc } from '@weft/crdt-core'
import type { Patch } from '../traces.js'
import { META } from './meta.js'
import { forEachEdit, type CrdtAdapter } from './types.js'

const NAME = 'text'

type Text = ReturnType<Doc['getText']>

function edit(doc: Doc, text: Text, patches: readonly Patch[]): void {
  doc.transact(() => {
    forEachEdit(
      patches,
      (pos, n) => text.delete(pos, n),
      (pos, s) => text.insert(pos, s),
    )
  })
}

/** A replica, its text, and the delta of its last local transaction (one listener for its life). */
export interface WeftReplica {
  readonly doc: Doc
  readonly text: Text
  last: Uint8Array
}

/** The Weft adapter over `DocClass` (the `Doc` export of some build of @weft/crdt-core). */
export function makeWeftAdapter(DocClass: typeof Doc): CrdtAdapter<Doc, WeftReplica> {
  return {
    name: 'weft',
    ...META.weft,
    localApply(trace) {
      const doc = new DocClass()
      const text = doc.getText(NAME)
      const updates: Uint8Array[] = []
      doc.on('delta', (d) => {
        updates.push(d)
      })
      for (const txn of trace.txns) edit(doc, text, txn.patches)
      return { doc, updates }
    },
    remoteApply(updates) {
      const doc = new DocClass()
      for (const u of updates) doc.applyDelta(u)
      return doc
    },
    text: (doc) => doc.getText(NAME).toString(),
    snapshot: (doc) => doc.encodeState(),
    load: (bytes) => DocClass.load(bytes),
    replicas: {
      create(agent) {
        // Fixed replica ids keep runs deterministic; the traces never insert concurrently at one spot.
        const doc = new DocClass({ replicaId: agent + 1 })
        const r: WeftReplica = { doc, text: doc.getText(NAME), last: new Uint8Array(0) }
        doc.on('delta', (d) => {
          r.last = d
        })
        return r
      },
      edit(r, patches) {
        edit(r.doc, r.text, patches)
        return r.last
      },
      apply: (r, u) => r.doc.applyDelta(u),
      text: (r) => r.text.toString(),
    },
  }
}
