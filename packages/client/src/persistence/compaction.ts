import type { ReplicaDoc } from '../replica-doc.js'
import type { DocMeta, Storage, StoredDoc } from '../storage/types.js'

/** When to fold the local log into a snapshot. */
export interface CompactionPolicy {
  /** Compact once the log holds more entries than this. Default 200. */
  maxLogCount?: number
  /**
   * Compact once the log holds more bytes than this, or than the snapshot
   * (whichever is larger), so stored size stays proportional to the doc. Default 64 KiB.
   */
  maxLogBytes?: number
}

export function shouldCompact(meta: DocMeta, policy: CompactionPolicy = {}): boolean {
  const maxCount = policy.maxLogCount ?? 200
  const maxBytes = Math.max(policy.maxLogBytes ?? 64 * 1024, meta.snapshotBytes)
  return meta.logCount > maxCount || meta.logBytes > maxBytes
}

/**
 * Replace the stored log by a snapshot of `doc`. Reads what is stored first and
 * joins it into `doc` (other tabs may have written entries this tab has not
 * seen), so the snapshot covers every entry it replaces. Skips when deltas are
 * parked in the causal buffer: a snapshot would not include them, and dropping
 * their log entries would lose them.
 *
 * The stored snapshot is joined too ([CLIENT-COMPACT-6]): another tab's
 * compaction may have folded entries this tab never saw (a tab that died after
 * storing its edit and before posting it) into it, and the log entries that
 * build on them would otherwise wait in this tab's causal buffer for good.
 */
export async function compactDoc(storage: Storage, docId: string, doc: ReplicaDoc): Promise<boolean> {
  const stored = await storage.load(docId)
  if (stored.log.length === 0) return false
  joinSnapshotAndLog(doc, stored)
  if (doc.pendingCount > 0) return false
  return storage.compact(docId, doc.encodeState(), stored.meta.lastSeq)
}

/** Joins a stored doc's snapshot, then its log, into `doc`. */
export function joinSnapshotAndLog(doc: ReplicaDoc, stored: Pick<StoredDoc, 'snapshot' | 'log'>): void {
  if (stored.snapshot) doc.applyDelta(stored.snapshot, LOCAL_STORAGE_ORIGIN)
  for (const e of stored.log) doc.applyDelta(e.bytes, LOCAL_STORAGE_ORIGIN)
}

/** Origin passed to `applyDelta` for bytes read back from local storage. */
export const LOCAL_STORAGE_ORIGIN = Symbol('weft:local-storage')
