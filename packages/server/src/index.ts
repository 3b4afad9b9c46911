/**
 * @weft/server: the Weft sync server (Hono + WebSocket, SQLite op log, durable acks, auth, limits).
 */
export type {
  Store,
  AcquireLeaseOptions,
  AppendInput,
  ReplicaOwner,
  DocLease,
  DeltaRecord,
  DocHead,
  DotRange,
  LoadedDoc,
  ReadSinceResult,
  SnapshotRecord,
  WriteSnapshotOptions,
} from './store/store.js'
export { MemoryStore, MemoryStoreData } from './store/memory-store.js'
export type { MemoryStoreOptions } from './store/memory-store.js'
export { PostgresStore } from './store/postgres-store.js'
export type { PostgresStoreOptions } from './store/postgres-store.js'
export { SchemaTooNewError } from './store/postgres-migrations.js'
export { FencedError, ReplicaOwnedError, StaleSnapshotError, isReplicaOwnedError } from './store/store-errors.js'
export { SqliteStore } from './store/sqlite-store.js'
export type { SqliteStoreOptions, BatchListener } from './store/sqlite-store.js'
export { SqliteWorkerStore, SqliteWorkerError } from './store/sqlite-worker-store.js'
export { StoreClosedError } from './store/store-closed-error.js'
export { hasFindingsStore } from './store/findings-store.js'
export type { FindingInput, FindingKind, FindingRecord, FindingsRetention, FindingsStore } from './store/findings-store.js'
export { AuthError, isAuthError } from './auth/auth.js'
export type { Access, AuthErrorCode, Authenticate, Authorize, DocGrants, Principal } from './auth/auth.js'
export { createJwtAuth } from './auth/jwt-auth.js'
export { signAccessToken } from './auth/sign-token.js'
export type { AccessTokenClaims } from './auth/sign-token.js'
export type { JwtAuthOptions } from './auth/jwt-auth.js'
export { createOpenAuth } from './auth/open-auth.js'
export { accessFor, matchesDocPattern } from './auth/doc-patterns.js'
export { createServer } from './server.js'
export type { WeftServer } from './server.js'
export type { ServerOptions } from './server-options.js'
export { DEFAULT_LIMITS, resolveLimits } from './limits/limits.js'
export type { Limits } from './limits/limits.js'
export { CloseCode } from './connection/close-codes.js'
export type { Bus, BusHandlers, CommittedDelta, HeadsBeat, DocHeadSeq } from './bus/bus.js'
export { InProcessBusHub } from './bus/in-process-bus.js'
export type { InProcessBusHubOptions } from './bus/in-process-bus.js'
export { NatsBus } from './bus/nats-bus.js'
export type { NatsBusOptions } from './bus/nats-bus.js'
export { BusDecodeError } from './bus/bus-codec.js'
export { rendezvousOwner } from './cluster/rendezvous.js'
export { PostgresNodeRegistry, SingleNodeRegistry } from './cluster/node-registry.js'
export type { NodeRegistry, PostgresNodeRegistryOptions } from './cluster/node-registry.js'
export { DocOwnership } from './cluster/doc-ownership.js'
export type { DocOwnershipOptions } from './cluster/doc-ownership.js'
export type { ClusterTuning } from './server-options.js'
export type { ServerMetrics } from './metrics/metrics.js'
export { parseCliArgs, CLI_USAGE } from './cli-args.js'
export type { CliConfig } from './cli-args.js'
export type { StrongOps, StrongValue, ClaimResult, RegisterResult, CounterResult, CounterBounds, StrongOpsFailure } from './strong/strong-ops.js'
export {
  WeftUnavailableError,
  WeftOutcomeUnknownError,
  WeftStrongInputError,
  isWeftUnavailableError,
  isWeftOutcomeUnknownError,
  isWeftStrongInputError,
} from './strong/strong-errors.js'
export type { UnavailableCode, OutcomeUnknownCode, StrongInputErrorCode } from './strong/strong-errors.js'
export { MemoryStrongOps, MemoryStrongOpsData } from './strong/memory-strong-ops.js'
export { PgStrongOps } from './strong/pg-strong-ops.js'
export type { PgStrongOpsOptions } from './strong/pg-strong-ops.js'
export { JetStreamStrongOps } from './strong/jetstream-strong-ops.js'
export type { JetStreamStrongOpsOptions } from './strong/jetstream-strong-ops.js'
export { ShardedStore } from './shards/sharded-store.js'
export type { ShardedStoreOptions } from './shards/sharded-store.js'
export { ShardCatalog } from './shards/shard-catalog.js'
export type { ShardCatalogOptions } from './shards/shard-catalog.js'
export { shardOf } from './shards/shard-map.js'
export type { ShardMap } from './shards/shard-map.js'
export { CatalogTooNewError } from './shards/catalog-schema.js'
export { UnknownShardError, TwoPhaseAbortedError, TwoPhaseInDoubtError, isDocMovedError } from './shards/shard-errors.js'
export { TwoPhaseCoordinator, TwoPhaseRecovery, listPreparedOlderThan, gidOf, parseGid } from './shards/two-phase.js'
export type {
  TwoPhaseStep,
  TwoPhaseWork,
  TwoPhaseTransaction,
  TwoPhaseFinisher,
  TwoPhaseOptions,
  TwoPhaseRecoveryOptions,
  RecoveryReport,
  PreparedTransaction,
} from './shards/two-phase.js'
export { ShardMover, SHARD_MOVE } from './shards/shard-move.js'
export type { MoveDocOptions, MoveResult, ShardTwoPhaseOptions } from './shards/shard-move.js'
export type { RegionOptions, RegionPeer } from './regions/region-options.js'
export { parsePeers } from './regions/region-options.js'
export type { RegionLevel, FreshnessLevel } from './regions/level-rules.js'
export type { LevelAnswer, FreshAnswer } from './regions/region-levels.js'
export { auditStore, iterateDocs } from './audit/audit-store.js'
export type { AuditReport, AuditStoreOptions } from './audit/audit-store.js'
export { auditDoc } from './audit/audit-doc.js'
export type { DocAudit, StoredDoc } from './audit/audit-doc.js'
export { AUDIT_CHECKS } from './audit/finding.js'
export type { AuditCheckId, Finding, RepairAction } from './audit/finding.js'
export { runAuditCommand } from './audit/audit-command.js'
