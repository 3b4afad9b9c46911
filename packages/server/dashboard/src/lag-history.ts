import type { DashboardLink, DashboardRegion } from '../../src/dashboard/dashboard-wire.js'

/** The chart shows the last two minutes; the server keeps no series, the page does. */
export const WINDOW_MS = 120_000

const COLORS = ['#1a73e8', '#d93025', '#188038', '#e37400', '#9334e6', '#007b83', '#b06000', '#5f6368']

/** One region pair, "from → to" (to pulls from from). */
export interface LagPair {
  readonly pair: string
  readonly color: string
  /** The region that reports the link. */
  readonly via: string
  /** The link as last reported. */
  readonly link: DashboardLink
  /** False while the reporting region cannot be asked. */
  readonly known: boolean
  /** Lag in seconds at each of {@link LagHistory.times}; null where unknown (a gap in the line). */
  readonly values: readonly (number | null)[]
}

/** Every pair's lag at the same sample times, as uPlot wants its data (one x array, aligned y arrays). */
export interface LagHistory {
  /** Sample times, ms since the epoch, oldest first. */
  readonly times: readonly number[]
  readonly pairs: readonly LagPair[]
}

export const emptyLagHistory: LagHistory = { times: [], pairs: [] }

/** The history with one more sample: each region's links now; a pair whose region is not reporting gets a gap. */
export function recordLag(history: LagHistory, regions: readonly DashboardRegion[], now: number): LagHistory {
  const reported = new Map<string, { via: string; link: DashboardLink }>()
  for (const v of regions) for (const link of v.links ?? []) reported.set(`${link.peer} → ${v.region}`, { via: v.region, link })
  const keepFrom = history.times.findIndex((t) => t >= now - WINDOW_MS)
  const drop = keepFrom < 0 ? history.times.length : keepFrom
  const times = [...history.times.slice(drop), now]
  const pairs: LagPair[] = history.pairs.map((p) => {
    const r = reported.get(p.pair)
    const values = [...p.values.slice(drop), r ? r.link.lagMs / 1000 : null]
    return r ? { ...p, via: r.via, link: r.link, known: true, values } : { ...p, known: false, values }
  })
  for (const [pair, r] of reported) {
    if (pairs.some((p) => p.pair === pair)) continue
    const values = [...Array.from({ length: times.length - 1 }, () => null), r.link.lagMs / 1000]
    pairs.push({ pair, color: COLORS[pairs.length % COLORS.length] as string, via: r.via, link: r.link, known: true, values })
  }
  return { times, pairs }
}

/** The highest lag in the window (0 when none is known). */
export const peakOf = (p: LagPair): number => p.values.reduce<number>((m, v) => (v !== null && v > m ? v : m), 0)

/** The latest sample (null while unknown). */
export const lastOf = (p: LagPair): number | null => p.values.at(-1) ?? null
