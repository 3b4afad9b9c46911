/**
 * The Weft adapter over `@weft/crdt-core` as the importer resolves it (the source under vitest,
 * the built package elsewhere).
 */
import { Doc } from '@weft/crdt-core'
import { makeWeftAdapter } from './weft-adapter.js'

export const weft = makeWeftAdapter(Doc)
