import type { Logger } from 'pino'
import type { Authenticate, Authorize } from './auth/auth.js'
import type { FanOut } from './fanout/fan-out.js'
import type { Limits } from './limits/limits.js'
import type { BroadcastEvent } from './sync/sync-service.js'
import type { Store } from './store/store.js'

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
  /** Delivery of frames to a doc's subscribers; in-process by default. */
  readonly fanOut?: FanOut<BroadcastEvent>
  /** Fold a doc's log into a snapshot once it holds this many deltas (default 1000). */
  readonly compactionThreshold?: number
  /** Deltas kept in the log after compaction, for cheap catch-up (default 100, or half the threshold); below the threshold. */
  readonly compactionKeepTail?: number
}
