import type { ServerMetrics } from '../metrics/metrics.js'
import type { DocLease, Store } from '../store/store.js'
import type { NodeRegistry } from './node-registry.js'
import { rendezvousOwner } from './rendezvous.js'

/** Options of {@link DocOwnership}. */
export interface DocOwnershipOptions {
  readonly registry: NodeRegistry
  readonly store: Store
  /** How long a compaction lease lasts (default 10 s): a dead owner's docs are free again after it. */
  readonly leaseTtlMs?: number
  readonly metrics?: ServerMetrics
}

/**
 * Which docs this node does the single-node work for (compaction now;
 * digests and audits later). A doc's owner is the rendezvous hash of the doc
 * over the live nodes; before the work the owner takes the doc's lease in the
 * store, and the work's write is fenced with it, so two nodes never compact
 * one doc at once even when their views of who is alive differ for a while
 * (a pause, a partition).
 *
 * @example
 * ```ts
 * const lease = await ownership.claim('note:1', { logLength })
 * if (lease) await store.writeSnapshot('note:1', snapshot, { fence: lease })
 * ```
 */
export class DocOwnership {
  private readonly epochs = new Map<string, number>()

  constructor(private readonly o: DocOwnershipOptions) {}

  get node(): string {
    return this.o.registry.node
  }

  /** The node that owns `doc` in this node's view. */
  ownerOf(doc: string): string {
    return rendezvousOwner(doc, this.o.registry.live()) ?? this.node
  }

  owns(doc: string): boolean {
    return this.ownerOf(doc) === this.node
  }

  /**
   * The lease to do `doc`'s work under, or undefined when this node should
   * not. The owner claims it; another node only when `overdue` (the work is
   * long late, so the owner is not doing it: it does not have the doc, say).
   */
  async claim(doc: string, options: { overdue?: boolean } = {}): Promise<DocLease | undefined> {
    if (!this.owns(doc) && options.overdue !== true) return undefined
    const lease = await this.o.store.acquireLease(doc, { holder: this.node, ttlMs: this.o.leaseTtlMs ?? 10_000 })
    if (lease && this.epochs.get(doc) !== lease.epoch) {
      this.epochs.set(doc, lease.epoch)
      this.o.metrics?.leaseMoves.inc()
    }
    return lease
  }

  /** Forget what is known of a doc that left memory. */
  forget(doc: string): void {
    this.epochs.delete(doc)
  }
}
