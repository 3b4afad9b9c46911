/**
 * Static facts about each adapter, importable without loading the library itself (the
 * orchestrator reports them; only workers import the libraries).
 */
import type { LibName } from './lib-names.js'

export interface AdapterMeta {
  /** npm package whose package.json gives the reported version. */
  readonly packageName: string
  /** How updates and snapshots are produced, for the report. */
  readonly method: { readonly update: string; readonly snapshot: string }
}

export const META: Readonly<Record<LibName, AdapterMeta>> = {
  weft: {
    packageName: '@weft/crdt-core',
    method: { update: "delta from doc.on('delta'), one per doc.transact", snapshot: 'doc.encodeState()' },
  },
  yjs: {
    packageName: 'yjs',
    method: {
      update: "V1 update from doc.on('update'), one per doc.transact",
      snapshot: 'Y.encodeStateAsUpdateV2(doc)',
    },
  },
  automerge: {
    packageName: '@automerge/automerge',
    method: {
      update: 'A.getLastLocalChange after each A.change (plus one leading change creating doc.text)',
      snapshot: 'A.save(doc)',
    },
  },
  loro: {
    packageName: 'loro-crdt',
    method: {
      update: 'bytes from doc.subscribeLocalUpdates, one per doc.commit()',
      snapshot: "doc.export({ mode: 'snapshot' })",
    },
  },
}
