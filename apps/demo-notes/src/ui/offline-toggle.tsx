import { useSyncExternalStore } from 'react'
import type { OfflineSwitch } from '@weft/client'

/** Cuts the app's connection, to try offline editing without devtools. */
export function OfflineToggle({ net }: { net: OfflineSwitch }) {
  const offline = useSyncExternalStore(net.subscribe, () => net.offline)
  return (
    <label className="switch" title="Cut the connection to the server">
      <input type="checkbox" role="switch" aria-checked={offline} checked={offline} onChange={(e) => net.setOffline(e.target.checked)} />
      <span className="switch-track" aria-hidden="true">
        <span className="switch-thumb" />
      </span>
      <span className="switch-label">Offline</span>
    </label>
  )
}
