import type { DashboardAuditAnswer, DashboardError, DashboardRepairAnswer, DashboardState } from '../../src/dashboard/dashboard-wire.js'

/** The node's own /admin/api with the admin token the page was opened with (`/admin?token=…`). */
export interface DashboardApi {
  state(): Promise<DashboardState>
  audit(doc: string): Promise<DashboardAuditAnswer | DashboardError>
  repair(doc: string): Promise<DashboardRepairAnswer | DashboardError>
}

export function dashboardApi(token: string): DashboardApi {
  const headers = { authorization: `Bearer ${token}` }
  const post = async <T>(route: string, doc: string): Promise<T | DashboardError> => {
    const r = await fetch(`/admin/api/${route}?doc=${encodeURIComponent(doc)}`, { method: 'POST', headers })
    return (await r.json()) as T | DashboardError
  }
  return {
    async state() {
      const r = await fetch('/admin/api/state', { headers })
      if (!r.ok) throw new Error(await r.text())
      return (await r.json()) as DashboardState
    },
    audit: (doc) => post<DashboardAuditAnswer>('audit', doc),
    repair: (doc) => post<DashboardRepairAnswer>('repair', doc),
  }
}

export const isError = (x: object): x is DashboardError => 'error' in x
