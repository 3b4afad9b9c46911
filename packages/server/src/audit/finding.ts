import type { DotRange, VersionVector } from '../store/store.js'

/**
 * Stable ids of what an audit checks; they appear in the report, `--json`
 * and the `check` label of the auditor's metrics. Never renamed.
 */
export const AUDIT_CHECKS = {
  'seq-gap': 'server seqs of a doc are not dense (a delta is missing from the log)',
  'head-seq-behind': "the doc's head seq is below a logged delta's seq (the next append would collide)",
  'delta-undecodable': 'a stored delta does not decode (truncated or corrupted bytes)',
  'delta-ranges-mismatch': "a delta's stored dot ranges differ from the dots its bytes carry",
  'dot-reused': 'one dot is stored in two deltas with different content (a replica reused dots)',
  'causal-gap': 'replaying the log leaves deltas waiting for dependencies nobody stored',
  'snapshot-undecodable': "the doc's snapshot does not decode",
  'snapshot-mismatch': 'the snapshot does not match the log it claims to cover',
  'head-vv-mismatch': "the doc's head version vector differs from what its snapshot and log hold",
  'sqlite-integrity': 'SQLite PRAGMA integrity_check reported a problem',
  'pg-prepared-xact-old': 'a PostgreSQL prepared (2PC) transaction is older than the threshold',
  'pg-unreachable': 'PostgreSQL did not answer the audit',
  'pg-replica-lagging': 'a PostgreSQL standby is not streaming, or its replay lags more than the threshold',
  'pg-slot-inactive': 'a PostgreSQL replication slot has no consumer (it retains WAL until one comes back or it is dropped)',
  'pg-slot-lagging': 'a PostgreSQL replication slot retains more WAL than the threshold (its consumer is behind)',
  'bus-unreachable': 'the NATS server of the bus could not be reached',
  'bus-stream-unhealthy': 'a JetStream stream has no leader, or replicas that are not current',
  'bus-stream-full': 'a JetStream stream is near its max_msgs or max_bytes (it drops the oldest or refuses writes when full)',
  'bus-consumer-lagging': 'a JetStream consumer has more messages pending delivery or awaiting ack than the threshold',
  'doc-unreadable': 'the doc could not be read consistently from the store',
  'replica-lagging': 'across regions or nodes: one replica lacks dots another holds (how many, and since when it last caught up)',
  'replica-diverged': "across regions or nodes: the same version vector with a different digest (content written behind the protocol's back)",
  'replica-unreadable': 'across regions or nodes: a replica could not fold the doc to compare it',
  'receipt-not-held': 'a region named in the receipt of a write acknowledged at a level (quorum, all-regions) no longer holds that write',
} as const

export type AuditCheckId = keyof typeof AUDIT_CHECKS

/** A check that ran on the engine and what it saw, finding or not (a single PostgreSQL with no standbys says so here). */
export interface EngineNote {
  readonly check: AuditCheckId
  readonly message: string
}

/** What a repair would do about a finding, carried out by `repairFindings`. */
export type RepairAction =
  | { readonly kind: 'set-head'; readonly seq: number; readonly vv: VersionVector }
  | { readonly kind: 'set-ranges'; readonly seq: number; readonly ranges: readonly DotRange[] }
  | { readonly kind: 'rewrite-snapshot'; readonly seq: number; readonly bytes: Uint8Array; readonly vv: VersionVector }
  | { readonly kind: 'delete-delta'; readonly seq: number }

/** One problem an audit found. */
export interface Finding {
  readonly check: AuditCheckId
  /** The doc, or undefined for a finding about the engine. */
  readonly doc: string | undefined
  /** One line a person can read: what is wrong, with seqs and dots. */
  readonly message: string
  /** Machine-readable particulars (seqs, dots, vvs). */
  readonly detail?: Readonly<Record<string, unknown>>
  /** Present when `--repair` can fix it without another replica. */
  readonly repair?: RepairAction
  /** Why it cannot be repaired here, and what to do instead. */
  readonly unrepairable?: string
}
