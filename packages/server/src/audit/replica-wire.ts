import type { ResidencyRule } from '../regions/residency.js'
import type { VersionVector } from '../store/store.js'

/** One doc as a node's store holds it, for comparing replicas ([AUDIT-4]). */
export interface ReplicaDocEntry {
  readonly doc: string
  readonly seq: number
  /** The version vector of snapshot + tail as folded (what the digest covers). */
  readonly vv: VersionVector
  /** `digest()` of the folded doc; null when the doc could not be folded (`error` says why). */
  readonly digest: string | null
  readonly error?: string
}

/** `GET /audit/replica/digests`: a page of docs in id order. */
export interface ReplicaPage {
  readonly node: string
  readonly region: string | null
  /** Per peer region: how long this region may have been missing its writes (ms). */
  readonly lagMs: Readonly<Record<string, number>>
  /** The region's residency table ([RESIDENCY-5]): a doc pinned away from this region is not compared here. */
  readonly residency?: readonly ResidencyRule[]
  readonly docs: readonly ReplicaDocEntry[]
  /** Pass as `after` for the next page; null on the last. */
  readonly next: string | null
}

/** `GET /audit/replica/receipts`: a page of a region's receipts of acks at a level ([AUDIT-9]), oldest first. */
export interface ReceiptPage {
  readonly region: string | null
  readonly receipts: readonly {
    readonly id: number
    readonly doc: string
    readonly vv: VersionVector
    readonly level: string
    readonly regions: readonly string[]
    readonly needed: number
    readonly at: number
  }[]
  /** Pass as `after` for the next page; null on the last. */
  readonly next: number | null
}
