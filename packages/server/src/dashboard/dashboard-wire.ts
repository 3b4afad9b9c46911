/**
 * The dashboard's JSON, as its app (`packages/server/dashboard`) reads it.
 * Plain types with no imports, so the app typechecks against them without
 * pulling in the server; the routes check what they send against them
 * (`satisfies`), so the two cannot drift apart unnoticed.
 */

/** One node as the dashboard shows it: up while in the registry's live set, down once it left it. */
export interface DashboardNode {
  readonly id: string
  readonly up: boolean
  /** When it was last seen to come up or go down (ISO). */
  readonly since: string
  /** Docs it has loaded and sync connections it holds: this node's now, another's as of its last registry renewal; undefined while unknown (or down). */
  readonly docs: number | undefined
  readonly connections: number | undefined
  /** When those counts were taken (ISO). */
  readonly countedAt: string | undefined
}

/** The parts of `/healthz` the dashboard shows. */
export interface DashboardHealth {
  readonly ok: boolean
  readonly store: { readonly kind: string; readonly url?: string | undefined; readonly ok: boolean }
  readonly bus: { readonly kind: string; readonly ok: boolean }
  readonly connections: number
  readonly docsLoaded: number
}

/** One peer link as a region sees it. */
export interface DashboardLink {
  readonly peer: string
  readonly reachable: boolean
  /** How long the region may have been missing the peer's writes. */
  readonly lagMs: number
  readonly lastError?: string | undefined
}

/** A region: reachable from this node or not, and its links as it reports them. */
export interface DashboardRegion {
  readonly region: string
  readonly self: boolean
  readonly reachable: boolean
  readonly links: readonly DashboardLink[] | undefined
}

/** A finding or repair (ISO times). */
export interface DashboardFinding {
  readonly kind: 'finding' | 'repair'
  readonly check: string
  /** Undefined for a finding about the engine. */
  readonly doc: string | undefined
  readonly message: string
  readonly node: string
  readonly firstSeen: string
  readonly resolved: string | undefined
}

/** The continuous auditor's progress and the findings record [AUDIT-5]. */
export interface DashboardAudit {
  readonly intervalMs: number
  readonly docsPerTick: number
  readonly docsAudited: number
  readonly passes: number
  readonly lastPassMs: number | undefined
  /** Open findings, newest first. */
  readonly findings: readonly DashboardFinding[]
  /** The latest findings and repairs, open or not, newest first. */
  readonly recent: readonly DashboardFinding[]
}

/** `GET /admin/api/state`. */
export interface DashboardState {
  readonly node: string
  readonly time: string
  readonly health: DashboardHealth
  readonly nodes: readonly DashboardNode[]
  /** Every region (null outside regions). */
  readonly regions: readonly DashboardRegion[] | null
  /** Null when the auditor is off. */
  readonly audit: DashboardAudit | null
}

/** A finding in an answer of the audit or repair route. */
export interface DashboardDocFinding {
  readonly check: string
  readonly message: string
  readonly repairable: boolean
}

/** `POST /admin/api/audit?doc=…` */
export interface DashboardAuditAnswer {
  readonly doc: string
  readonly headSeq: number
  /** The doc's digest as stored (snapshot + tail). */
  readonly digest?: string | undefined
  readonly findings: readonly DashboardDocFinding[]
}

/** `POST /admin/api/repair?doc=…` */
export interface DashboardRepairAnswer {
  readonly doc: string
  readonly repairs: readonly { readonly check: string; readonly action: string; readonly ok: boolean }[]
  /** What the doc's audit shows after the repair. */
  readonly findings: readonly DashboardDocFinding[]
}

/** Any route's refusal. */
export interface DashboardError {
  readonly error: string
}
