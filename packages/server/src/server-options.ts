import type { Logger } from 'pino'
import type { Authenticate, Authorize } from './auth/auth.js'
import type { Bus } from './bus/bus.js'
import type { NodeRegistry } from './cluster/node-registry.js'
import type { Limits } from './limits/limits.js'
import type { RegionOptions } from './regions/region-options.js'
import type { Store } from './store/store.js'
import type { ContinuousAuditOptions } from './audit/continuous-auditor.js'
import type { StrongOps } from './strong/strong-ops.js'

/** Timings of a node among several (all optional). */
export interface ClusterTuning {
  /** A node that stops renewing its registration is dead after this long, and its docs move (default 10 s). */
  readonly nodeTtlMs?: number
  /** A compaction lease lasts this long (default: the node TTL). */
  readonly leaseTtlMs?: number
  /** Wait this long for a missing seq to arrive before re-reading the store (default 25 ms). */
  readonly gapGraceMs?: number
  /** Beat the heads this node committed to lately this often (default 1 s). */
  readonly beatMs?: number
  /** Check every loaded doc's head in the store this often (default 10 s; 0 = never). */
  readonly sweepMs?: number
}

/** Options of `createServer`. Everything is optional; the defaults suit a local dev server. */
export interface ServerOptions {
  /** TCP port; 0 picks a free one (default 8787). */
  readonly port?: number
  /** Interface to listen on (default `127.0.0.1`; `0.0.0.0` to expose). */
  readonly host?: string
  /** Storage; defaults to a SQLite file at `dbPath`, else an in-memory store. */
  readonly store?: Store
  /** SQLite file used when no `store` is given. */
  readonly dbPath?: string
  /** HS256 secret for the built-in JWT auth. Without it (and without `authenticate`) the server runs open. */
  readonly jwtSecret?: string
  /** Custom token check; overrides `jwtSecret`. */
  readonly authenticate?: Authenticate
  /** Custom access check; defaults to the principal's `docs` patterns. */
  readonly authorize?: Authorize
  readonly limits?: Partial<Limits>
  /** Directory with the built demo app, served at `/` when it exists. */
  readonly staticDir?: string
  /** A pino logger; otherwise one is made at `logLevel` (default `info`). */
  readonly logger?: Logger
  readonly logLevel?: string
  /**
   * The bus to the other nodes over the same store (`NatsBus`, or an
   * `InProcessBusHub`'s endpoint in tests). Absent: this node runs alone.
   */
  readonly bus?: Bus
  /** This node's id among several (default: a random one). */
  readonly nodeId?: string
  /** Who is alive. Default with a bus: the store's database for a `PostgresStore`, else this node alone. */
  readonly registry?: NodeRegistry
  readonly cluster?: ClusterTuning
  /** Fold a doc's log into a snapshot once it holds this many deltas (default 1000). */
  readonly compactionThreshold?: number
  /** Deltas kept in the log after compaction, for cheap catch-up (default 100, or half the threshold); below the threshold. */
  readonly compactionKeepTail?: number
  /** This server's region and its peer regions (multi-region replication); absent: one region. */
  readonly regions?: RegionOptions
  /** The background auditor of the store (`weft audit`, a few docs per tick); absent: off. */
  readonly audit?: ContinuousAuditOptions
  /**
   * Serves the operator's dashboard at `/admin` (and its JSON at
   * `/admin/api/state`; `/dashboard` redirects there) to requests bearing this token
   * (`Authorization: Bearer …` or `?token=`). Absent: no dashboard.
   */
  readonly adminToken?: string
  /**
   * Runs clients' strong (CP) operations (`client.strong.claim(...)`,
   * [STRONG-2]): a `PgStrongOps` (one region), a `JetStreamStrongOps`
   * (R=3 Raft, survives one server's loss), or a `MemoryStrongOps` (this
   * process only: linearizable for one node, lost on restart). Every node of
   * a cluster must share one backend. Absent: clients' strong operations are
   * refused with `WeftUnavailableError`. The server closes it.
   */
  readonly strong?: StrongOps
  /** How `strong` is described in logs (e.g. `postgres`, `jetstream`, `memory`). */
  readonly strongDescription?: string
}
