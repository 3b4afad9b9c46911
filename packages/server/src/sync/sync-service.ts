import type { Logger } from 'pino'
import type { Authenticate, Authorize } from '../auth/auth.js'
import type { CloseCodeName } from '../connection/close-codes.js'
import type { FrameHandler, SocketShell } from '../connection/socket-shell.js'
import type { Limits } from '../limits/limits.js'
import type { ServerMetrics } from '../metrics/metrics.js'
import type { ServerOptions } from '../server-options.js'
import type { Store } from '../store/store.js'

/** Everything the protocol side of the server needs. */
export interface SyncServiceDeps {
  readonly store: Store
  readonly auth: { readonly authenticate: Authenticate; readonly authorize: Authorize }
  readonly limits: Limits
  readonly metrics: ServerMetrics
  readonly logger: Logger
  readonly options: ServerOptions
}

/** The protocol side of the server: sessions per socket and doc rooms. */
export interface SyncService {
  accept(shell: SocketShell): FrameHandler
  encodeLimitError(code: CloseCodeName): Uint8Array | undefined
  docsLoaded(): number
  /** Waits for in-flight writes and stops background work. */
  close(): Promise<void>
}

/** Placeholder until the protocol state machine lands in crdt-core: accepts sockets, ignores frames. */
export function createSyncService(_deps: SyncServiceDeps): SyncService {
  return {
    accept: () => ({ onFrame: () => {}, onClose: () => {} }),
    encodeLimitError: () => undefined,
    docsLoaded: () => 0,
    close: async () => {},
  }
}
