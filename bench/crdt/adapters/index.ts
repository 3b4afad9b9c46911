/**
 * Loads one adapter by name. Dynamic, so that a worker imports only the library it measures
 * (no other library's wasm or heap in its process).
 */
import type { AnyAdapter, LibName } from './types.js'

export async function loadAdapter(lib: LibName): Promise<AnyAdapter> {
  switch (lib) {
    case 'weft':
      return (await import('./weft.js')).weft
    case 'yjs':
      return (await import('./yjs.js')).yjs
    case 'automerge':
      return (await import('./automerge.js')).automerge
    case 'loro':
      return (await import('./loro.js')).loro
  }
}
