import type { DocStatus } from '@weft/client'

export type BadgeState = 'offline' | 'syncing' | 'local' | 'server' | 'error'

export interface Badge {
  readonly state: BadgeState
  readonly label: string
  readonly unsaved: number
}

/** What the sync badge says for a status (several docs' statuses aggregated). */
export function syncBadge(status: DocStatus): Badge {
  const { connection, unsaved, savedLocally, savedOnServer, storageError } = status
  if (storageError) return { state: 'error', label: 'Not saved on this device', unsaved }
  if (connection === 'offline') {
    if (unsaved > 0 && savedLocally) return { state: 'local', label: 'Saved on this device', unsaved }
    return { state: 'offline', label: savedLocally ? 'Offline' : 'Offline · saving…', unsaved }
  }
  if (connection === 'synced' && savedOnServer) return { state: 'server', label: 'Saved on the server', unsaved: 0 }
  return { state: 'syncing', label: connection === 'connecting' ? 'Connecting…' : 'Syncing…', unsaved }
}
