/**
 * @weft/server: the Weft sync server (Hono + WebSocket, SQLite op log, durable acks, auth, limits).
 */
export type {
  Store,
  AppendInput,
  DeltaRecord,
  DocHead,
  DotRange,
  LoadedDoc,
  ReadSinceResult,
  SnapshotRecord,
  WriteSnapshotOptions,
} from './store/store.js'
export { MemoryStore, MemoryStoreData } from './store/memory-store.js'
export { SqliteStore } from './store/sqlite-store.js'
export type { SqliteStoreOptions, BatchListener } from './store/sqlite-store.js'
export { StoreClosedError } from './store/store-closed-error.js'
export { AuthError, isAuthError } from './auth/auth.js'
export type { Access, AuthErrorCode, Authenticate, Authorize, DocGrants, Principal } from './auth/auth.js'
export { createJwtAuth } from './auth/jwt-auth.js'
export type { JwtAuthOptions } from './auth/jwt-auth.js'
export { createOpenAuth } from './auth/open-auth.js'
export { accessFor, matchesDocPattern } from './auth/doc-patterns.js'
