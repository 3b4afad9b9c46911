/**
 * Yjs adapter. Per-txn updates are V1 (`doc.on('update')`, the format y-websocket and most
 * providers send); the snapshot is `encodeStateAsUpdateV2`, Yjs's compact encoding.
 */
import * as Y from 'yjs'
import type { Patch } from '../traces.js'
import { META } from './meta.js'
import { forEachEdit, type CrdtAdapter } from './types.js'

const NAME = 'text'
/** Origin of applied remote updates, so a replica's listener keeps only its own. */
const REMOTE = Symbol('remote')

function edit(doc: Y.Doc, text: Y.Text, patches: readonly Patch[]): void {
  doc.transact(() => {
    forEachEdit(
      patches,
      (pos, n) => text.delete(pos, n),
      (pos, s) => text.insert(pos, s),
    )
  })
}

/** A replica, its text, and the V1 update of its last local transaction (one listener for its life). */
interface Replica {
  readonly doc: Y.Doc
  readonly text: Y.Text
  last: Uint8Array
}

export const yjs: CrdtAdapter<Y.Doc, Replica> = {
  name: 'yjs',
  ...META.yjs,
  localApply(trace) {
    const doc = new Y.Doc()
    const text = doc.getText(NAME)
    const updates: Uint8Array[] = []
    doc.on('update', (u: Uint8Array) => {
      updates.push(u)
    })
    for (const txn of trace.txns) edit(doc, text, txn.patches)
    return { doc, updates }
  },
  remoteApply(updates) {
    const doc = new Y.Doc()
    for (const u of updates) Y.applyUpdate(doc, u)
    return doc
  },
  text: (doc) => doc.getText(NAME).toString(),
  snapshot: (doc) => Y.encodeStateAsUpdateV2(doc),
  load(bytes) {
    const doc = new Y.Doc()
    Y.applyUpdateV2(doc, bytes)
    return doc
  },
  replicas: {
    create(agent) {
      // Fixed client ids keep runs deterministic; the traces never insert concurrently at one spot.
      const doc = new Y.Doc()
      doc.clientID = agent + 1
      const r: Replica = { doc, text: doc.getText(NAME), last: new Uint8Array(0) }
      doc.on('update', (u: Uint8Array, origin: unknown) => {
        if (origin !== REMOTE) r.last = u
      })
      return r
    },
    edit(r, patches) {
      edit(r.doc, r.text, patches)
      return r.last
    },
    apply: (r, u) => Y.applyUpdate(r.doc, u, REMOTE),
    text: (r) => r.text.toString(),
  },
}
