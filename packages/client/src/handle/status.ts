import type { WeftSyncError } from '@weft/crdt-core'
import type { AuthErrorReason, StorageErrorCode, WeftAuthError, WeftStorageError } from '../errors.js'

/** Where a doc's connection to the server stands. */
export type ConnectionStatus = 'offline' | 'connecting' | 'unauthorized' | 'syncing' | 'synced'

/** Observable state of one doc handle. */
export interface DocStatus {
  readonly connection: ConnectionStatus
  /** Local deltas not yet acked by the server. */
  readonly unsaved: number
  /** Every local edit so far is in local storage. */
  readonly savedLocally: boolean
  /** Every local edit so far is acked by the server (false without a server). */
  readonly savedOnServer: boolean
  /** Set while local storage is failing; edits are kept in memory and retried. */
  readonly storageError?: WeftStorageError
  /** Set while the server refuses the token (`connection` is 'unauthorized'); cleared once one is accepted. */
  readonly authError?: WeftAuthError
  /**
   * Set while the server refuses this doc's edits (`WeftSyncError`: `forbidden`,
   * `read-only`, `replica-owned`, or a delta it could not take); `unsaved` stays
   * above 0 and `whenSaved('server')` rejects with it meanwhile ([BIND-2]).
   */
  readonly syncError?: WeftSyncError
}

/** Durability levels of `whenSaved`. An open set: `quorum` and `all-regions` come later. */
export type SaveLevel = 'local' | 'server'

export function sameStatus(a: DocStatus, b: DocStatus): boolean {
  return (
    a.connection === b.connection &&
    a.unsaved === b.unsaved &&
    a.savedLocally === b.savedLocally &&
    a.savedOnServer === b.savedOnServer &&
    code(a.storageError) === code(b.storageError) &&
    reason(a.authError) === reason(b.authError) &&
    a.syncError?.code === b.syncError?.code
  )
}

const reason = (e: WeftAuthError | undefined): AuthErrorReason | undefined => e?.reason

const code = (e: WeftStorageError | undefined): StorageErrorCode | undefined => e?.code
