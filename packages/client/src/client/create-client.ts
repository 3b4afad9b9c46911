import { Doc, TRUSTED_MAX_INFLATED_BYTES, type ClientSessionOptions, type WritableDeltaFormat } from '@weft/crdt-core'
import { SyncConnection, type TokenSource } from '../connection/sync-connection.js'
import { Emitter } from '../emitter.js'
import { DocHandle, type PresenceTuning } from '../handle/doc-handle.js'
import type { CompactionPolicy } from '../persistence/compaction.js'
import { indexedDBStorage } from '../storage/indexeddb-storage.js'
import { memoryStorage } from '../storage/memory-storage.js'
import type { Storage } from '../storage/types.js'
import { broadcastChannelFactory, type TabChannelFactory } from '../tabs/tab-channel.js'
import { realTimers, type Timers } from '../timers.js'
import type { BackoffOptions } from '../transport/backoff.js'
import { browserOnlineSignal, type OnlineSignal } from '../transport/online-signal.js'
import type { LinkState } from '../transport/reconnecting-link.js'
import type { ServerUrls } from '../transport/server-urls.js'
import type { Transport } from '../transport/types.js'
import { webSocketTransport } from '../transport/websocket-transport.js'
import { StrongCalls } from '../strong/strong-calls.js'
import { OutboxSweep } from './outbox-sweep.js'
import type { StrongClient } from '../strong/strong-client.js'

/** Bytes of remote deltas a doc holds while their dependencies are missing ([CAUSAL-2]). */
const CLIENT_MAX_PENDING_BYTES = 8 * 1024 * 1024

/** Options of {@link createClient}. Only `url` matters for most apps. */
export interface ClientOptions {
  /**
   * Sync server, e.g. `wss://sync.example.com`. Several URLs (the nodes of a
   * cluster) are tried in turn, moving on when a node is gone; a function is
   * asked for the URL of every attempt. Without it (and without `transport`)
   * the client is local-only.
   */
  url?: ServerUrls
  /** Credential sent in hello; a function is called for every (re)connection. */
  token?: TokenSource
  /** Default: IndexedDB (database `name`) where there is one, else memory. */
  storage?: Storage
  /** Names the IndexedDB database and the tab channels. Default `'weft'`. */
  name?: string
  /** Overrides the WebSocket transport built from `url` (tests, custom transports). */
  transport?: Transport
  /** Tab sync channels; `false` disables tab sync. Default: BroadcastChannel where there is one. */
  tabs?: TabChannelFactory | false
  /** Network-is-back hints; `false` disables them. Default: the browser's `online` event. */
  online?: OnlineSignal | false
  backoff?: BackoffOptions
  timers?: Timers
  session?: ClientSessionOptions
  compaction?: CompactionPolicy
  presence?: PresenceTuning
  /** Deadline of one strong operation in ms (default 15,000); past it the call rejects `WeftOutcomeUnknownError('timeout')`. */
  strongTimeoutMs?: number
  /**
   * The delta format this client writes its edits in: 6 (default, terse),
   * 5 (dense ops), which builds before format 6 (`DELTA_FORMAT_VERSION` 5)
   * can still read, 4 (compact counters) for builds before 5, or 3 for
   * builds before 4.
   * Set the older one while such clients share documents with this one;
   * upgrade servers first (a server reads every format).
   */
  deltaFormat?: WritableDeltaFormat
}

/** Events of a {@link Client}. */
export type ClientEvents = {
  connection: [state: LinkState]
  error: [error: Error]
  /** A handle was opened by `doc(id)` (devtools attach to it before its first edit). */
  doc: [handle: DocHandle]
}

/** The runtime that apps embed: opens docs, keeps them stored and synced. */
export interface Client {
  /** The handle of a doc; the same handle for the same id until it is closed. */
  doc(id: string): DocHandle
  /** The handles open now, in the order they were opened (read-only: for devtools and debugging). */
  docs(): DocHandle[]
  /** The shared connection's state ('offline' for a local-only client). */
  readonly connection: LinkState
  readonly storage: Storage
  /**
   * Linearizable claim / compare-and-set / bounded add, decided by the server
   * (CP: see {@link StrongClient}). They never run offline and are never
   * queued: without a welcomed connection they reject with
   * `WeftUnavailableError('offline')`.
   */
  readonly strong: StrongClient
  on<K extends keyof ClientEvents>(event: K, fn: (...args: ClientEvents[K]) => void): () => void
  /** Close every handle (flushing local writes), the connection, and the storage if the client created it. */
  close(): Promise<void>
}

function defaultStorage(name: string): Storage {
  const hasIndexedDB = typeof (globalThis as { indexedDB?: unknown }).indexedDB === 'object'
  return hasIndexedDB ? indexedDBStorage(name) : memoryStorage()
}

/**
 * Create a client.
 *
 * @example
 * const client = createClient({ url: 'wss://sync.example.com', token: () => getToken() })
 * const note = client.doc('note:42')
 * await note.ready
 * note.doc.getText('body').insert(0, 'hello')
 * await note.whenSaved('server')
 */
export function createClient(options: ClientOptions = {}): Client {
  const name = options.name ?? 'weft'
  const timers = options.timers ?? realTimers
  const storage = options.storage ?? defaultStorage(name)
  const ownsStorage = options.storage === undefined
  const tabs = options.tabs === false ? undefined : (options.tabs ?? broadcastChannelFactory())
  const events = new Emitter<ClientEvents>()
  const handles = new Map<string, DocHandle>()
  /** Handles still flushing after close(); a new handle of the same id opens after them. */
  const closing = new Map<string, Promise<void>>()
  let closed = false
  /** Handles the outbox sweep opened and the app has not asked for (yet). */
  const swept = new Set<DocHandle>()
  let sweep: OutboxSweep | undefined
  const offStorageError = storage.onError?.((e) => events.emit('error', e))

  const transport = options.transport ?? (options.url !== undefined ? webSocketTransport(options.url) : undefined)
  const online = options.online === false ? undefined : (options.online ?? browserOnlineSignal())
  const connection =
    transport &&
    new SyncConnection({
      transport,
      timers,
      ...(options.token !== undefined && { token: options.token }),
      ...(options.backoff && { backoff: options.backoff }),
      ...(online && { online }),
      ...(options.session && { session: options.session }),
      ...(options.strongTimeoutMs !== undefined && { strongTimeoutMs: options.strongTimeoutMs }),
      onLinkState: (state) => {
        for (const h of handles.values()) h.refresh()
        if (state === 'open') sweep?.run()
        events.emit('connection', state)
      },
      onError: (e) => events.emit('error', e),
      onAuthChange: () => {
        for (const h of handles.values()) h.refresh()
      },
    })

  // A local-only client has no server: its strong calls are refused, never answered locally.
  const strong: StrongClient = connection?.strong ?? new StrongCalls(undefined, timers, 0)

  const open = (id: string): DocHandle => {
    const previous = closing.get(id)
    const handle: DocHandle = new DocHandle({
      id,
      // A fresh replica id per instance: two tabs never share one. [CAUSAL-2] deltas waiting for
      // their dependencies are bounded well below the Doc default; past it they are dropped and the doc resyncs.
      // States come from this replica's own storage, its tabs and its server, as large as the doc ([LIMIT-2]).
      doc: new Doc({
        maxPendingBytes: CLIENT_MAX_PENDING_BYTES,
        maxInflatedBytes: TRUSTED_MAX_INFLATED_BYTES,
        ...(options.deltaFormat !== undefined && { deltaFormat: options.deltaFormat }),
      }),
      storage,
      timers,
      ...(connection && { connection }),
      ...(tabs && { tabChannel: tabs(`${name}:doc:${id}`) }),
      ...(options.compaction && { compaction: options.compaction }),
      ...(options.presence && { presence: options.presence }),
      ...(previous && { after: previous }),
      onClosing: (done) => {
        swept.delete(handle)
        if (handles.get(id) === handle) handles.delete(id)
        // A reopen only waits for the close to end: what failed in it the handle reported as an error event.
        const settled = done.catch(() => undefined)
        closing.set(id, settled)
        void settled.then(() => closing.get(id) === settled && closing.delete(id))
      },
    })
    handles.set(id, handle)
    events.emit('doc', handle)
    return handle
  }

  sweep =
    connection &&
    new OutboxSweep({
      storage,
      timers,
      open: (id) => {
        if (closed || handles.has(id)) return undefined
        const handle = open(id)
        swept.add(handle)
        return handle
      },
      owns: (handle) => swept.has(handle),
    })

  return {
    strong,
    doc(id: string): DocHandle {
      if (closed) throw new Error('client is closed')
      const existing = handles.get(id)
      if (existing) {
        swept.delete(existing) // the app's now: the sweep leaves it open
        return existing
      }
      return open(id)
    },
    docs: () => [...handles.values()],
    get connection() {
      return connection?.linkState ?? 'offline'
    },
    storage,
    on: (event, fn) => events.on(event, fn),
    async close() {
      if (closed) return
      closed = true
      sweep?.stop()
      await Promise.all([...handles.values()].map((h) => h.close()))
      await Promise.all(closing.values())
      connection?.close()
      offStorageError?.()
      if (ownsStorage) await storage.close()
      events.clear()
    },
  }
}
