import type { ConnectionStatus, DocStatus, LinkState } from '@weft/client'

const RANK: Record<ConnectionStatus, number> = { offline: 0, unauthorized: 1, connecting: 2, syncing: 3, synced: 4 }

/** The status of several docs as one: the least connected, every unsaved edit, saved only if all are. */
export function aggregateStatus(statuses: readonly DocStatus[], link: LinkState): DocStatus {
  if (statuses.length === 0) {
    const connection: ConnectionStatus = link === 'open' ? 'synced' : link
    return { connection, unsaved: 0, savedLocally: true, savedOnServer: link === 'open' }
  }
  let connection: ConnectionStatus = 'synced'
  let unsaved = 0
  let savedLocally = true
  let savedOnServer = true
  let storageError: DocStatus['storageError']
  let authError: DocStatus['authError']
  for (const s of statuses) {
    if (RANK[s.connection] < RANK[connection]) connection = s.connection
    unsaved += s.unsaved
    savedLocally &&= s.savedLocally
    savedOnServer &&= s.savedOnServer
    storageError ??= s.storageError
    authError ??= s.authError
  }
  return { connection, unsaved, savedLocally, savedOnServer, ...(storageError && { storageError }), ...(authError && { authError }) }
}

/** Field-by-field equality, so a status snapshot keeps its identity until something in it changes. */
export function sameDocStatus(a: DocStatus, b: DocStatus): boolean {
  return (
    a.connection === b.connection &&
    a.unsaved === b.unsaved &&
    a.savedLocally === b.savedLocally &&
    a.savedOnServer === b.savedOnServer &&
    a.storageError?.code === b.storageError?.code &&
    a.authError?.reason === b.authError?.reason
  )
}
