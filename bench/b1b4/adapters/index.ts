/**
 * Loads one library's suite adapter by name. Dynamic, so a worker imports only the library it
 * measures (no other library's wasm or heap in its process).
 */
import { pathToFileURL } from 'node:url'
import type { LibName } from '../../crdt/adapters/lib-names.js'
import type { SuiteAdapter } from './types.js'

/** `weftModule`: the run's pinned copy of @weft/crdt-core (see ../../crdt/pin-weft.ts), if any. */
export async function loadSuiteAdapter(lib: LibName, weftModule?: string): Promise<SuiteAdapter> {
  switch (lib) {
    case 'weft': {
      const core = (
        weftModule === undefined ? await import('@weft/crdt-core') : await import(pathToFileURL(weftModule).href)
      ) as typeof import('@weft/crdt-core')
      return (await import('./weft.js')).makeWeftSuite(core.Doc)
    }
    case 'yjs':
      return (await import('./yjs.js')).yjsSuite
    case 'automerge':
      return (await import('./automerge.js')).automergeSuite
    case 'loro':
      return (await import('./loro.js')).loroSuite
  }
}
