import type { Client, DocHandle, DocStatus, LinkState } from '@weft/client'
import { inspectDelta, type VersionVector } from '@weft/crdt-core'
import { originLabel } from './origin-label.js'
import { type DotSpan, vvDiff } from './vv-diff.js'

/** What the inspector knows of one open doc. */
export interface DocView {
  readonly id: string
  readonly ready: boolean
  readonly status: DocStatus
  /** Replica id -> highest counter seen. */
  readonly versionVector: VersionVector
  /** Remote deltas waiting for their causal dependencies. */
  readonly pending: number
  /** Our presence state, and everyone else's by key (`tab:<replica>` or `peer:<id>`). */
  readonly presence: { readonly self: unknown; readonly others: readonly { readonly key: string; readonly state: unknown }[] }
  /** Local deltas stored in the outbox, not yet acked (read from storage; `undefined` until read). */
  readonly outbox: { readonly entries: number; readonly bytes: number } | undefined
}

/** One change to a doc: made here (`local`, with its encoded size) or brought in from `server`, `tab` or `storage`. */
export interface DeltaLogEntry {
  /** Increasing number of the entry in this inspector. */
  readonly seq: number
  /** `Date.now()` when it happened. */
  readonly at: number
  readonly doc: string
  readonly source: string
  /** Bytes of the encoded delta (local changes only). */
  readonly bytes: number | undefined
  /** The dots it added, per replica. */
  readonly dots: readonly DotSpan[]
}

/** Everything shown at one moment. A new object whenever something changed (fit for `useSyncExternalStore`). */
export interface InspectorState {
  readonly connection: LinkState
  readonly docs: readonly DocView[]
  /** Oldest first, the last `logSize` entries. */
  readonly log: readonly DeltaLogEntry[]
}

/** Options of {@link createInspector}. */
export interface InspectorOptions {
  /** Entries kept in the delta log (default 200). */
  readonly logSize?: number
  /** Wait after a status change before re-reading outboxes from storage (default 300 ms). */
  readonly outboxDelayMs?: number
}

/** A live, read-only view of a client; see {@link createInspector}. */
export interface Inspector {
  readonly state: InspectorState
  subscribe(listener: () => void): () => void
  /** Re-read every open doc's outbox from storage now (done by itself after status changes while subscribed). */
  refreshOutbox(): Promise<void>
  clearLog(): void
  /** Stop listening to the client. */
  close(): void
}

interface Watched {
  readonly handle: DocHandle
  readonly off: (() => void)[]
  vv: VersionVector
  ready: boolean
  outbox: DocView['outbox']
}

const sameDocs = (open: readonly DocHandle[], shown: readonly DocView[]): boolean => open.length === shown.length && open.every((h, i) => h.id === shown[i]?.id)

/**
 * Watches a client through its public API only (`docs()`, the `doc` and
 * `connection` events, each handle's status, presence and doc events, and
 * `storage.load` for outboxes), and keeps a delta log from the moment it starts.
 *
 * @example
 * const inspector = createInspector(client)
 * inspector.subscribe(() => console.log(inspector.state.docs.map((d) => [d.id, d.status.unsaved])))
 */
export function createInspector(client: Client, options: InspectorOptions = {}): Inspector {
  const logSize = options.logSize ?? 200
  const watched = new Map<DocHandle, Watched>()
  const listeners = new Set<() => void>()
  let log: DeltaLogEntry[] = []
  let seq = 0
  let current: InspectorState | undefined
  let notifyQueued = false
  let outboxTimer: ReturnType<typeof setTimeout> | undefined
  let closed = false

  const changed = (): void => {
    current = undefined
    if (notifyQueued || closed) return
    // One notification per burst (a remote delta fires several events).
    notifyQueued = true
    queueMicrotask(() => {
      notifyQueued = false
      for (const fn of [...listeners]) fn()
    })
  }
  const record = (entry: Omit<DeltaLogEntry, 'seq' | 'at'>): void => {
    log = [...log.slice(-(logSize - 1)), { ...entry, seq: ++seq, at: Date.now() }]
    changed()
  }
  const scheduleOutbox = (): void => {
    // Reading storage costs the app: only while someone is looking (an open panel).
    if (outboxTimer !== undefined || closed || listeners.size === 0) return
    outboxTimer = setTimeout(() => {
      outboxTimer = undefined
      void refreshOutbox()
    }, options.outboxDelayMs ?? 300)
  }

  const watch = (handle: DocHandle): void => {
    if (watched.has(handle)) return
    const doc = handle.doc
    const w: Watched = { handle, off: [], vv: doc.versionVector(), ready: false, outbox: undefined }
    watched.set(handle, w)
    w.off.push(
      doc.on('delta', (bytes) => {
        let dots: DotSpan[] = []
        try {
          dots = inspectDelta(bytes).ranges.map((r) => ({ replica: r.replica, from: r.from, to: r.to }))
        } catch {
          // a delta this doc just made always decodes; never let the inspector break the app
        }
        record({ doc: handle.id, source: 'local', bytes: bytes.length, dots })
      }),
      doc.on('change', (e) => {
        const vv = doc.versionVector()
        const dots = vvDiff(w.vv, vv)
        w.vv = vv
        if (!e.local) record({ doc: handle.id, source: originLabel(e.origin), bytes: undefined, dots })
        else changed()
      }),
      handle.on('status', () => {
        changed()
        scheduleOutbox()
      }),
      handle.on('presence', changed),
    )
    void handle.ready.then(() => {
      w.ready = true
      w.vv = doc.versionVector()
      changed()
      scheduleOutbox()
    })
    changed()
  }

  /** Handles closed since the last look are let go. */
  const prune = (): DocHandle[] => {
    const open = client.docs()
    const live = new Set(open)
    for (const [h, w] of watched) {
      if (live.has(h)) continue
      for (const off of w.off) off()
      watched.delete(h)
    }
    for (const h of open) watch(h)
    return open
  }

  async function refreshOutbox(): Promise<void> {
    const open = prune()
    await Promise.all(
      open.map(async (h) => {
        const w = watched.get(h)
        if (!w) return
        try {
          const stored = await client.storage.load(h.id)
          w.outbox = { entries: stored.outbox.length, bytes: stored.outbox.reduce((n, e) => n + e.bytes.length, 0) }
        } catch {
          w.outbox = undefined // storage failing: the status shows it
        }
      }),
    )
    changed()
  }

  const build = (): InspectorState => {
    const docs = prune().map((h): DocView => {
      const w = watched.get(h)
      return {
        id: h.id,
        ready: w?.ready ?? false,
        status: h.status,
        versionVector: h.doc.versionVector(),
        pending: h.doc.pendingCount,
        presence: { self: h.presence.state, others: [...h.presence.others].map(([key, state]) => ({ key, state })) },
        outbox: w?.outbox,
      }
    })
    return { connection: client.connection, docs, log }
  }

  const offDoc = client.on('doc', watch)
  const offConnection = client.on('connection', changed)
  for (const h of client.docs()) watch(h)

  return {
    get state() {
      // A handle closed since the last build fires no event: a different set of open docs rebuilds too.
      if (current && !sameDocs(client.docs(), current.docs)) current = undefined
      current ??= build()
      return current
    },
    subscribe(listener) {
      listeners.add(listener)
      return () => void listeners.delete(listener)
    },
    refreshOutbox,
    clearLog() {
      log = []
      changed()
    },
    close() {
      if (closed) return
      closed = true
      offDoc()
      offConnection()
      clearTimeout(outboxTimer)
      for (const w of watched.values()) for (const off of w.off) off()
      watched.clear()
      listeners.clear()
    },
  }
}
