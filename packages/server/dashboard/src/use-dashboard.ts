import { useCallback, useEffect, useRef, useState } from 'react'
import type { DashboardState } from '../../src/dashboard/dashboard-wire.js'
import type { DashboardApi } from './api.js'
import { type LagHistory, emptyLagHistory, recordLag } from './lag-history.js'

export interface Dashboard {
  readonly state: DashboardState | undefined
  readonly lag: LagHistory
  /** Why the last poll failed (the node is down or refused the token); undefined once one succeeds. */
  readonly error: string | undefined
  /** Polls now (after a button). */
  readonly refresh: () => Promise<void>
}

/** Polls `/admin/api/state` every second, one request at a time, and keeps the lag series. */
export function useDashboard(api: DashboardApi, everyMs = 1000): Dashboard {
  const [state, setState] = useState<DashboardState>()
  const [lag, setLag] = useState<LagHistory>(emptyLagHistory)
  const [error, setError] = useState<string>()
  const busy = useRef(false)

  const refresh = useCallback(async () => {
    if (busy.current) return
    busy.current = true
    try {
      const s = await api.state()
      setState(s)
      setError(undefined)
      const regions = s.regions
      if (regions) setLag((h) => recordLag(h, regions, Date.now()))
    } catch (e) {
      setError(`cannot reach the node: ${e instanceof Error ? e.message : String(e)}`)
    } finally {
      busy.current = false
    }
  }, [api])

  useEffect(() => {
    void refresh()
    const timer = setInterval(() => void refresh(), everyMs)
    return () => clearInterval(timer)
  }, [refresh, everyMs])

  return { state, lag, error, refresh }
}
