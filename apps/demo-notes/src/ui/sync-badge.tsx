import { useSyncStatus } from '@weft/react'
import { syncBadge } from '../model/sync-badge'

/** Where this device's edits are, over every open doc. */
export function SyncBadge() {
  const badge = syncBadge(useSyncStatus())
  return (
    <div className={`badge badge-${badge.state}`} data-testid="sync-badge" data-state={badge.state} role="status" aria-live="polite">
      <span className="badge-dot" aria-hidden="true" />
      <span className="badge-label">{badge.label}</span>
      {badge.unsaved > 0 && (
        <span className="badge-count" data-testid="unsaved" title="edits not yet on the server">
          {badge.unsaved} unsaved
        </span>
      )}
    </div>
  )
}
