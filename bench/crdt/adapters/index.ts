/**
 * Loads one adapter by name. Dynamic, so that a worker imports only the library it measures
 * (no other library's wasm or heap in its process).
 */
import { pathToFileURL } from 'node:url'
import type { AnyAdapter, LibName } from './types.js'

/**
 * `weftModule`: path of a build of @weft/crdt-core to measure instead of the one the package name
 * resolves to (the run's pinned copy).
 */
export async function loadAdapter(lib: LibName, weftModule?: string): Promise<AnyAdapter> {
  switch (lib) {
    case 'weft': {
      if (weftModule === undefined) return (await import('./weft.js')).weft
      const core = (await import(pathToFileURL(weftModule).href)) as typeof import('@weft/crdt-core')
      return (await import('./weft-adapter.js')).makeWeftAdapter(core.Doc)
    }
    case 'yjs':
      return (await import('./yjs.js')).yjs
    case 'automerge':
      return (await import('./automerge.js')).automerge
    case 'loro':
      return (await import('./loro.js')).loro
  }
}
