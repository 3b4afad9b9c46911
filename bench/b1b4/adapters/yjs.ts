/**
 * Yjs in the B1–B4 suite, as the suite's own Yjs binding runs it: updates are V2 (`updateV2`
 * events, `applyUpdateV2`), the state is `encodeStateAsUpdateV2`, loaded into a fresh doc.
 */
import * as Y from 'yjs'
import { idWords } from '../prng.js'
import type { SuiteAdapter, SuiteDoc } from './types.js'

/** Origin of applied remote updates, so a doc's listener reports only its own transactions. */
const REMOTE = Symbol('remote')

function wrap(doc: Y.Doc): SuiteDoc {
  const text = doc.getText('text')
  const array = doc.getArray<unknown>('array')
  const map = doc.getMap<unknown>('map')
  return {
    insertText: (i, s) => text.insert(i, s),
    deleteText: (i, n) => text.delete(i, n),
    text: () => text.toString(),
    insertArray: (i, values) => array.insert(i, [...values]),
    array: () => array.toArray(),
    setMap: (k, v) => map.set(k, v),
    map: () => map.toJSON(),
    transact: (fn) => doc.transact(fn),
    applyUpdate: (u) => Y.applyUpdateV2(doc, u, REMOTE),
    applyUpdates(updates) {
      doc.transact(() => {
        for (const u of updates) Y.applyUpdateV2(doc, u, REMOTE)
      }, REMOTE)
    },
    encodeState: () => Y.encodeStateAsUpdateV2(doc),
  }
}

export const yjsSuite: SuiteAdapter = {
  create(onUpdate, seed) {
    const doc = new Y.Doc()
    // Yjs draws random 32-bit client ids.
    doc.clientID = idWords(seed, 1)[0] ?? 1
    doc.on('updateV2', (u: Uint8Array, origin: unknown) => {
      if (origin !== REMOTE) onUpdate(u)
    })
    return wrap(doc)
  },
  load(state) {
    const doc = new Y.Doc()
    Y.applyUpdateV2(doc, state)
    return wrap(doc)
  },
}
