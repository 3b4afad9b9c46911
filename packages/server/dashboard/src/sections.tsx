import { type FormEvent, useState } from 'react'
import type { DashboardAudit, DashboardFinding, DashboardHealth, DashboardNode, DashboardRegion } from '../../src/dashboard/dashboard-wire.js'
import { type DashboardApi, isError } from './api.js'
import { Rows, clock, okBad, upDown } from './cells.js'
import { LagChart } from './lag-chart.js'
import { type LagHistory, lastOf } from './lag-history.js'

/** Nodes this node has seen, with the docs and connections each holds; its own row says 'unreachable' while polls fail. */
export function NodesSection({ nodes, self, failing }: { readonly nodes: readonly DashboardNode[]; readonly self: string; readonly failing: boolean }) {
  return (
    <section>
      <h2>Nodes</h2>
      <table id="nodes">
        <Rows
          rows={nodes.map((n) => ({
            key: n.id,
            cells: [
              n.id,
              failing && n.id === self ? upDown(false, 'unreachable') : upDown(n.up),
              `since ${clock(n.since)}`,
              n.docs === undefined ? '' : plural(n.docs, 'doc'),
              n.connections === undefined ? '' : plural(n.connections, 'connection'),
            ],
          }))}
        />
      </table>
    </section>
  )
}

const plural = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`

export function HealthSection({ health: h }: { readonly health: DashboardHealth }) {
  return (
    <section>
      <h2>Health</h2>
      <table id="health">
        <Rows
          rows={[
            { key: 'store', cells: ['store', h.store.kind + (h.store.url ? ` ${h.store.url}` : ''), okBad(h.store.ok)] },
            { key: 'bus', cells: ['bus', h.bus.kind, okBad(h.bus.ok)] },
            { key: 'connections', cells: ['connections', h.connections, ''] },
            { key: 'docs', cells: ['docs loaded', h.docsLoaded, ''] },
          ]}
        />
      </table>
    </section>
  )
}

export function RegionsSection({ regions }: { readonly regions: readonly DashboardRegion[] }) {
  return (
    <section>
      <h2>Regions</h2>
      <table id="regions">
        <Rows
          rows={regions.map((v) => {
            const worst = (v.links ?? []).reduce((m, l) => Math.max(m, l.lagMs), 0)
            return {
              key: v.region,
              cells: [
                v.region + (v.self ? ' (this node)' : ''),
                upDown(v.reachable),
                v.reachable ? `behind by ${(worst / 1000).toFixed(1)} s at most` : 'unreachable from here',
              ],
            }
          })}
        />
      </table>
    </section>
  )
}

/** The auditor's progress, and a doc to audit or repair now. */
export function AuditorSection({ audit, api, onDone }: { readonly audit: DashboardAudit | null; readonly api: DashboardApi; readonly onDone: () => void }) {
  const [doc, setDoc] = useState('')
  const [result, setResult] = useState('')
  const auditOne = async (e: FormEvent) => {
    e.preventDefault()
    const body = await api.audit(doc)
    if (isError(body)) setResult(body.error)
    else setResult(body.findings.length ? body.findings.map((f) => `${f.check}: ${f.message}`).join('; ') : `${body.doc}: no findings (seq ${body.headSeq})`)
    onDone()
  }
  const repairOne = async () => {
    const body = await api.repair(doc)
    if (isError(body)) setResult(body.error)
    else {
      const done = body.repairs.filter((x) => x.ok).map((x) => `repaired ${x.check} (${x.action})`)
      const left = body.findings.map((f) => `left: ${f.check}: ${f.message}`)
      setResult(`${body.doc}: ${[...done, ...left].join('; ') || 'nothing to repair'}`)
    }
    onDone()
  }
  const a = audit
  return (
    <section>
      <h2>Auditor</h2>
      <table id="auditor">
        <Rows
          rows={
            a
              ? [
                  { key: 'every', cells: ['every', `${a.intervalMs} ms, ${a.docsPerTick} docs`] },
                  { key: 'docs', cells: ['docs audited', a.docsAudited] },
                  { key: 'passes', cells: ['passes', a.passes] },
                  { key: 'last', cells: ['last pass', a.lastPassMs === undefined || a.lastPassMs === null ? '—' : `${(a.lastPassMs / 1000).toFixed(1)} s`] },
                ]
              : [{ key: 'off', cells: ['auditor', 'off (start with --audit-interval-ms)'] }]
          }
        />
      </table>
      <form id="audit-one" onSubmit={(e) => void auditOne(e)}>
        <input id="doc" placeholder="doc id, e.g. note:1" aria-label="doc to audit" value={doc} onChange={(e) => setDoc(e.target.value)} />
        <button type="submit">Audit doc</button>
        <button type="button" id="repair-doc" onClick={() => void repairOne()}>
          Repair doc
        </button>
      </form>
      <div id="audit-result">{result}</div>
    </section>
  )
}

export function LagSection({ lag }: { readonly lag: LagHistory }) {
  return (
    <section className="wide">
      <h2>Replication lag per region pair (last 2 min)</h2>
      <LagChart lag={lag} />
      <table id="lag">
        <thead>
          <tr>
            <th>pair</th>
            <th>lag</th>
            <th>link</th>
          </tr>
        </thead>
        <Rows
          rows={lag.pairs.map((p) => {
            const last = lastOf(p)
            return {
              key: p.pair,
              cells: [
                {
                  text: (
                    <>
                      <span className="swatch" style={{ background: p.color }} />
                      {p.pair}
                    </>
                  ),
                  cls: '',
                },
                p.known && last !== null ? `${last.toFixed(1)} s` : 'unknown',
                p.known
                  ? { text: p.link.reachable ? 'ok' : `cut: ${p.link.lastError || 'unreachable'}`, cls: p.link.reachable ? 'ok' : 'bad' }
                  : { text: `region ${p.via} unreachable`, cls: 'bad' },
              ],
            }
          })}
        />
      </table>
    </section>
  )
}

const findingKey = (f: DashboardFinding) => `${f.kind} ${f.check} ${f.doc ?? ''} ${f.firstSeen} ${f.message}`

export function FindingsSection({ findings }: { readonly findings: readonly DashboardFinding[] }) {
  return (
    <section className="wide">
      <h2>
        Audit findings (<span id="finding-count">{findings.length}</span>)
      </h2>
      <table id="findings">
        <thead>
          <tr>
            <th>check</th>
            <th>doc</th>
            <th>finding</th>
            <th>since</th>
          </tr>
        </thead>
        <Rows
          rows={findings.map((f) => ({
            key: findingKey(f),
            cells: [{ text: f.check, cls: 'bad' }, f.doc ?? '(engine)', { text: f.message, cls: 'mono' }, clock(f.firstSeen)],
          }))}
        />
      </table>
    </section>
  )
}

export function RecentSection({ recent }: { readonly recent: readonly DashboardFinding[] }) {
  return (
    <section className="wide">
      <h2>Recent findings and repairs</h2>
      <table id="recent">
        <thead>
          <tr>
            <th>kind</th>
            <th>check</th>
            <th>doc</th>
            <th>what</th>
            <th>seen</th>
            <th>state</th>
          </tr>
        </thead>
        <Rows
          rows={recent.map((x) => ({
            key: findingKey(x),
            cells: [
              { text: x.kind, cls: x.kind === 'repair' ? 'up' : x.resolved ? '' : 'bad' },
              x.check,
              x.doc ?? '(engine)',
              x.message,
              clock(x.firstSeen),
              x.kind === 'repair' ? `done by ${x.node}` : x.resolved ? `resolved ${clock(x.resolved)}` : 'open',
            ],
          }))}
        />
      </table>
    </section>
  )
}
