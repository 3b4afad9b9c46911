import { useMemo } from 'react'
import { dashboardApi } from './api.js'
import { AuditorSection, FindingsSection, HealthSection, LagSection, NodesSection, RecentSection, RegionsSection } from './sections.js'
import { useDashboard } from './use-dashboard.js'

/** The operator's dashboard: this node's view of its cluster, its regions and the audit, polled every second. */
export function App({ token }: { readonly token: string }) {
  const api = useMemo(() => dashboardApi(token), [token])
  const { state: s, lag, error, refresh } = useDashboard(api)
  const onDone = () => void refresh()
  return (
    <>
      <h1>Weft — operator dashboard</h1>
      <div className="sub">
        node <b id="node">{s?.node ?? '…'}</b> · updated <span id="time">{s ? new Date(s.time).toLocaleTimeString() : '…'}</span>{' '}
        <span id="error">{error ?? ''}</span>
      </div>
      {s && (
        <>
          <div className="grid">
            <NodesSection nodes={s.nodes} self={s.node} failing={error !== undefined} />
            <HealthSection health={s.health} />
            {s.regions && <RegionsSection regions={s.regions} />}
            <AuditorSection audit={s.audit} api={api} onDone={onDone} />
          </div>
          {s.regions && <LagSection lag={lag} />}
          <FindingsSection findings={s.audit?.findings ?? []} />
          <RecentSection recent={s.audit?.recent ?? []} />
        </>
      )}
    </>
  )
}
