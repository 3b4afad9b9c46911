import { createServer, type WeftServer } from '@weft/server'
import { afterEach, describe, expect, it } from 'vitest'
import { type AuditedStore, openPostgres, typing, writeHistory } from './stores.js'

const INTERVAL_MS = 100
const DOCS_PER_TICK = 10
const DOCS = 40

async function metric(server: WeftServer, line: RegExp): Promise<string | undefined> {
  const text = await (await fetch(`${server.url}/metrics`)).text()
  return text.split('\n').find((l) => line.test(l))
}

describe('the continuous auditor in the server (PostgreSQL)', () => {
  let s: AuditedStore | undefined
  let server: WeftServer | undefined
  afterEach(async () => {
    await server?.close()
    await s?.cleanup()
    server = undefined
    s = undefined
  })

  it(`finds a corruption injected behind the server's back within its stated interval (two passes; ${DOCS} docs, ${DOCS_PER_TICK} per ${INTERVAL_MS} ms tick), counts it in /metrics and shows it on the dashboard API`, async () => {
    const pg = await openPostgres()
    s = pg
    await Promise.all(Array.from({ length: DOCS }, (_, i) => writeHistory(pg.store, `doc:${String(i).padStart(2, '0')}`, 500 + i, typing(6))))
    server = await createServer({
      port: 0,
      store: pg.store,
      logLevel: 'silent',
      audit: { intervalMs: INTERVAL_MS, docsPerTick: DOCS_PER_TICK, tickBudgetMs: 50 },
      adminToken: 'admin-secret',
    })
    const auditor = server.auditor
    if (!auditor) throw new Error('no auditor')
    await expect.poll(() => auditor.status().passes, { timeout: 10_000 }).toBeGreaterThanOrEqual(1)
    expect(auditor.status().findings).toEqual([])

    // The stated bound: every doc is audited once per pass, so an injected fault shows within one pass after
    // the injection, which can start up to one pass later: two passes as long as the last one, plus slack.
    const passMs = auditor.status().lastPassMs ?? 0
    const bound = 2 * passMs + 1000
    await pg.raw('DELETE FROM deltas WHERE doc = $1 AND seq = $2', ['doc:33', 3])
    const injected = Date.now()
    await expect.poll(() => auditor.status().findings.map((f) => `${f.check} ${f.doc}`), { timeout: bound, interval: 20 }).toContain('seq-gap doc:33')
    const foundAfterMs = Date.now() - injected
    console.log(`auditor: a pass over ${DOCS} docs took ${passMs} ms; the gap was found ${foundAfterMs} ms after it was made (bound ${bound} ms)`)
    expect(foundAfterMs).toBeLessThanOrEqual(bound)

    expect(await metric(server, /^weft_audit_findings_open\{check="seq-gap"\}/)).toBe('weft_audit_findings_open{check="seq-gap"} 1')
    expect(await metric(server, /^weft_audit_findings_total\{check="seq-gap"\}/)).toBe('weft_audit_findings_total{check="seq-gap"} 1')

    expect((await fetch(`${server.url}/dashboard/api/state`)).status).toBe(401)
    const state = await (await fetch(`${server.url}/dashboard/api/state`, { headers: { authorization: 'Bearer admin-secret' } })).json()
    expect(state.audit.findings).toContainEqual(expect.objectContaining({ check: 'seq-gap', doc: 'doc:33', message: expect.stringMatching(/^seq 3 missing/) }))
    expect(state.nodes).toEqual([expect.objectContaining({ id: server.node, up: true })])
    const one = await (
      await fetch(`${server.url}/dashboard/api/audit?doc=doc:01`, { method: 'POST', headers: { authorization: 'Bearer admin-secret' } })
    ).json()
    expect(one).toMatchObject({ doc: 'doc:01', headSeq: 6, findings: [] })
  })
})
