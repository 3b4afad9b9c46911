import type { Store } from './store.js'

/** A finding an audit made, or a repair that healed one. */
export type FindingKind = 'finding' | 'repair'

/** What the auditor hands to {@link FindingsStore.recordFinding}. */
export interface FindingInput {
  readonly kind: FindingKind
  /** The audit check id (`seq-gap`, …). */
  readonly check: string
  /** The doc, or '' for a finding about the engine. */
  readonly doc: string
  /** Identity within (kind, check, doc): the finding's particulars, so one problem is one record. */
  readonly key: string
  /** One line a person can read. */
  readonly message: string
  /** The node that recorded it. */
  readonly node: string
  readonly repairable: boolean
  /** When it was first seen (ms since the epoch). */
  readonly at: number
  /** Set when recorded already closed (a repair is an event, never open). */
  readonly resolvedAt?: number | undefined
}

/** One stored record. */
export interface FindingRecord extends FindingInput {
  readonly resolvedAt: number | undefined
}

/**
 * The audit's findings and repairs, kept in the store so they survive a
 * restart and every node of a cluster reads the same ones [AUDIT-5].
 *
 * A separate interface rather than more methods on {@link Store}: `Store` is
 * the sync path's contract that third-party stores implement; findings are
 * operator bookkeeping, and a store without them still serves (the auditor
 * then keeps findings in memory). The built-in stores all implement it, and
 * `runStoreContract` checks it on any store that does.
 */
export interface FindingsStore {
  /**
   * Records a finding unless the same one (kind, check, doc, key) is open; a
   * resolved one opens again. Resolves `true` only for the call that opened
   * it, so of several nodes auditing one doc exactly one logs it.
   */
  recordFinding(input: FindingInput): Promise<boolean>
  /** Open findings of one doc ('' for the engine). */
  openFindings(doc: string): Promise<readonly FindingRecord[]>
  /** Closes one open finding; `true` when this call closed it. */
  resolveFinding(finding: Pick<FindingInput, 'kind' | 'check' | 'doc' | 'key'>, at: number): Promise<boolean>
  /** Records newest first (by `at`), at most `limit`; `openOnly` leaves out resolved findings and repairs. */
  listFindings(options: { readonly limit: number; readonly openOnly?: boolean }): Promise<readonly FindingRecord[]>
  /**
   * Retention [AUDIT-6]: deletes closed records (resolved findings and
   * repairs) past the newest `keepClosed` of them (by `at`), and those closed
   * before `closedBefore` (ms since the epoch) when given. Open findings are
   * never deleted: they describe a problem that still stands. Resolves the
   * number deleted.
   */
  pruneFindings(options: FindingsRetention): Promise<number>
}

/** What {@link FindingsStore.pruneFindings} keeps. */
export interface FindingsRetention {
  /** Closed records kept at most, newest first (0 deletes every closed one). */
  readonly keepClosed: number
  /** Closed records resolved before this time (ms since the epoch) go whatever their rank. */
  readonly closedBefore?: number | undefined
}

/** Whether `store` keeps findings. */
export function hasFindingsStore(store: Store): store is Store & FindingsStore {
  const s = store as Partial<FindingsStore>
  return typeof s.recordFinding === 'function' && typeof s.listFindings === 'function' && typeof s.pruneFindings === 'function'
}

const identity = (f: Pick<FindingInput, 'kind' | 'check' | 'doc' | 'key'>) => JSON.stringify([f.kind, f.check, f.doc, f.key])

/** Findings in process memory: the {@link MemoryStore}'s, kept in its data so a "restarted" store sees them. */
export class MemoryFindings implements FindingsStore {
  readonly records = new Map<string, FindingRecord>()

  async recordFinding(input: FindingInput): Promise<boolean> {
    const id = identity(input)
    const prior = this.records.get(id)
    if (prior && prior.resolvedAt === undefined) return false
    this.records.set(id, { ...input, resolvedAt: input.resolvedAt })
    return true
  }

  async openFindings(doc: string): Promise<readonly FindingRecord[]> {
    return [...this.records.values()].filter((f) => f.doc === doc && f.resolvedAt === undefined)
  }

  async resolveFinding(finding: Pick<FindingInput, 'kind' | 'check' | 'doc' | 'key'>, at: number): Promise<boolean> {
    const id = identity(finding)
    const prior = this.records.get(id)
    if (!prior || prior.resolvedAt !== undefined) return false
    this.records.set(id, { ...prior, resolvedAt: at })
    return true
  }

  async listFindings(options: { readonly limit: number; readonly openOnly?: boolean }): Promise<readonly FindingRecord[]> {
    return [...this.records.values()]
      .filter((f) => !options.openOnly || f.resolvedAt === undefined)
      .sort((a, b) => b.at - a.at)
      .slice(0, options.limit)
  }

  async pruneFindings(options: FindingsRetention): Promise<number> {
    const closed = [...this.records.entries()].filter(([, f]) => f.resolvedAt !== undefined).sort(([, a], [, b]) => b.at - a.at)
    let deleted = 0
    for (const [rank, [id, f]] of closed.entries()) {
      const tooOld = options.closedBefore !== undefined && (f.resolvedAt as number) < options.closedBefore
      if (rank < options.keepClosed && !tooOld) continue
      this.records.delete(id)
      deleted++
    }
    return deleted
  }
}
