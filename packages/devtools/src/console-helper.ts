import type { Client } from '@weft/client'
import { createInspector, type DeltaLogEntry, type DocView, type Inspector, type InspectorOptions, type InspectorState } from './inspector.js'

/** What {@link installWeftConsole} puts on `window.__weft`. */
export interface WeftConsole {
  readonly client: Client
  readonly inspector: Inspector
  /** One row per open doc (also printed with `console.table`). */
  docs(): DocView[]
  /** A doc's content as JSON (opens it when it is not open). */
  doc(id: string): Record<string, unknown>
  /** The last `n` entries of the delta log (default 20; also printed). */
  log(n?: number): DeltaLogEntry[]
  /** The inspector's state now. */
  state(): InspectorState
  help(): string
}

/** Options of {@link installWeftConsole}. */
export interface WeftConsoleOptions extends InspectorOptions {
  /** Where to put the helper (default `globalThis`, i.e. `window`). */
  readonly target?: object
  /** Property name (default `__weft`). */
  readonly name?: string
  /** Print tables (default true; tests turn it off). */
  readonly print?: boolean
}

const HELP = `__weft: docs() open docs with status, version vectors, outbox and presence; doc(id) a doc as JSON;
log(n) the last n changes (local, server, tab, storage); state() everything; client, inspector.`

/**
 * Puts a console helper on `window.__weft` for poking at a running app from
 * the browser's console. Returns a function that removes it again.
 *
 * @example
 * installWeftConsole(client)
 * // in the console: __weft.docs(), __weft.log(5), __weft.doc('note:42')
 */
export function installWeftConsole(client: Client, options: WeftConsoleOptions = {}): () => void {
  const target = (options.target ?? globalThis) as Record<string, unknown>
  const name = options.name ?? '__weft'
  const print = options.print ?? true
  const inspector = createInspector(client, options)
  const helper: WeftConsole = {
    client,
    inspector,
    docs() {
      void inspector.refreshOutbox() // for the next call: storage is read only when asked
      const docs = [...inspector.state.docs]
      if (print)
        console.table(
          docs.map((d) => ({
            id: d.id,
            connection: d.status.connection,
            unsaved: d.status.unsaved,
            savedLocally: d.status.savedLocally,
            savedOnServer: d.status.savedOnServer,
            versionVector: JSON.stringify(d.versionVector),
            pending: d.pending,
            outbox: d.outbox?.entries,
            others: d.presence.others.length,
          })),
        )
      return docs
    },
    doc: (id) => client.doc(id).doc.toJSON(),
    log(n = 20) {
      const entries = inspector.state.log.slice(-n)
      if (print) console.table(entries.map((e) => ({ ...e, at: new Date(e.at).toISOString(), dots: JSON.stringify(e.dots) })))
      return [...entries]
    },
    state: () => inspector.state,
    help: () => HELP,
  }
  target[name] = helper
  return () => {
    inspector.close()
    if (target[name] === helper) delete target[name]
  }
}
