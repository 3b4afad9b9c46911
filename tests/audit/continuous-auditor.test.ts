import { randomBytes } from 'node:crypto'
import { createRequire } from 'node:module'
import { AckPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream'
import { connect } from '@nats-io/transport-node'
import { Doc, inspectDelta } from '@weft/crdt-core'
import { MemoryStore, PostgresStore, type ServerOptions, createServer, type WeftServer } from '@weft/server'
import { afterEach, describe, expect, it } from 'vitest'
import { startPgCluster } from '../support/pg-cluster.js'
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

  it(`[AUDIT-3] finds a corruption injected behind the server's back within its stated interval (two passes; ${DOCS} docs, ${DOCS_PER_TICK} per ${INTERVAL_MS} ms tick), counts it in /metrics and shows it on the dashboard API`, async () => {
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
    await expect.poll(async () => (await auditor.status()).passes, { timeout: 10_000 }).toBeGreaterThanOrEqual(1)
    expect((await auditor.status()).findings).toEqual([])

    // The stated bound: every doc is audited once per pass, so an injected fault shows within one pass after
    // the injection, which can start up to one pass later: two passes as long as the last one, plus slack.
    const passMs = (await auditor.status()).lastPassMs ?? 0
    const bound = 2 * passMs + 1000
    await pg.raw('DELETE FROM deltas WHERE doc = $1 AND seq = $2', ['doc:33', 3])
    const injected = Date.now()
    await expect
      .poll(async () => (await auditor.status()).findings.map((f) => `${f.check} ${f.doc}`), { timeout: bound, interval: 20 })
      .toContain('seq-gap doc:33')
    const foundAfterMs = Date.now() - injected
    console.log(`auditor: a pass over ${DOCS} docs took ${passMs} ms; the gap was found ${foundAfterMs} ms after it was made (bound ${bound} ms)`)
    expect(foundAfterMs).toBeLessThanOrEqual(bound)

    expect(await metric(server, /^weft_audit_findings_open\{check="seq-gap"\}/)).toBe('weft_audit_findings_open{check="seq-gap"} 1')
    expect(await metric(server, /^weft_audit_findings_total\{check="seq-gap"\}/)).toBe('weft_audit_findings_total{check="seq-gap"} 1')

    expect((await fetch(`${server.url}/admin/api/state`)).status).toBe(401)
    // The page is at /admin; /dashboard, its first path, redirects there with the token.
    const moved = await fetch(`${server.url}/dashboard?token=admin-secret`, { redirect: 'manual' })
    expect([moved.status, moved.headers.get('location')]).toEqual([301, '/admin?token=admin-secret'])
    expect((await fetch(`${server.url}/admin`)).status).toBe(401)
    // The app once the package is built (dist/dashboard, as CI's e2e run and a published package have it);
    // run from sources before any build, a 503 that says how to build it.
    const page = await fetch(`${server.url}/admin?token=admin-secret`)
    expect([200, 503]).toContain(page.status)
    expect(await page.text()).toMatch(page.status === 200 ? /<div id="root">/ : /not built.*pnpm --filter @weft\/server build/)
    const state = await (await fetch(`${server.url}/admin/api/state`, { headers: { authorization: 'Bearer admin-secret' } })).json()
    expect(state.audit.findings).toContainEqual(expect.objectContaining({ check: 'seq-gap', doc: 'doc:33', message: expect.stringMatching(/^seq 3 missing/) }))
    expect(state.nodes).toEqual([expect.objectContaining({ id: server.node, up: true })])
    const one = await (await fetch(`${server.url}/admin/api/audit?doc=doc:01`, { method: 'POST', headers: { authorization: 'Bearer admin-secret' } })).json()
    expect(one).toMatchObject({ doc: 'doc:01', headSeq: 6, findings: [] })
  })

  it('[AUDIT-5] keeps its findings in the store: another node shows them, and so does a node restarted; a clean audit resolves them', async () => {
    const pg = await openPostgres()
    s = pg
    const url = pg.args[1] as string
    for (let i = 0; i < 5; i++) await writeHistory(pg.store, `doc:${i}`, 700 + i, typing(5))
    const auditing = { intervalMs: INTERVAL_MS, docsPerTick: DOCS_PER_TICK, tickBudgetMs: 50 }
    // A node that audits, and one that does not (its interval is far off): both read the store's record.
    server = await createServer({ port: 0, store: pg.store, logLevel: 'silent', audit: auditing, adminToken: 'admin-secret', nodeId: 'auditing' })
    const quiet = await PostgresStore.open({ url, poolSize: 2 })
    const quietAudit = { intervalMs: 3_600_000 }
    let other = await createServer({ port: 0, store: quiet, logLevel: 'silent', audit: quietAudit, adminToken: 'admin-secret', nodeId: 'quiet' })
    const findingsOf = async (node: WeftServer) => {
      const state = await (await fetch(`${node.url}/admin/api/state`, { headers: { authorization: 'Bearer admin-secret' } })).json()
      return state.audit.findings.map((f: { check: string; doc: string; node: string }) => `${f.check} ${f.doc} by ${f.node}`).sort()
    }
    // A missing delta is a gap in seqs and leaves the deltas after it waiting for its dots.
    const found = ['causal-gap doc:3 by auditing', 'seq-gap doc:3 by auditing']
    try {
      const [gone] = (await pg.raw('DELETE FROM deltas WHERE doc = $1 AND seq = $2 RETURNING doc, seq, ranges, bytes', ['doc:3', 2])) as {
        doc: string
        seq: number
        ranges: string
        bytes: Uint8Array
      }[]
      await expect.poll(() => findingsOf(server as WeftServer), { timeout: 10_000, interval: 50 }).toEqual(found)
      expect(await findingsOf(other)).toEqual(found)
      // Restarted over the same database: the finding is still there before any audit ran.
      await other.close()
      await quiet.close()
      const again = await PostgresStore.open({ url, poolSize: 2 })
      other = await createServer({ port: 0, store: again, logLevel: 'silent', audit: quietAudit, adminToken: 'admin-secret', nodeId: 'quiet' })
      expect(await findingsOf(other)).toEqual(found)
      // Seen again and again by the auditing node: still one record, counted once.
      expect(await metric(server, /^weft_audit_findings_total\{check="seq-gap"\}/)).toBe('weft_audit_findings_total{check="seq-gap"} 1')
      // The missing delta put back: the next clean audit of the doc resolves the finding.
      await pg.raw('INSERT INTO deltas (doc, seq, ranges, bytes) VALUES ($1, $2, $3, $4)', [gone?.doc, gone?.seq, gone?.ranges, gone?.bytes])
      await expect.poll(() => findingsOf(other), { timeout: 10_000, interval: 50 }).toEqual([])
      expect(await metric(server, /^weft_audit_findings_open\{check="seq-gap"\}/)).toBeUndefined()
      await other.close()
      await again.close()
    } catch (error) {
      await other.close().catch(() => {})
      throw error
    }
  })
})

describe('[AUDIT-6] the continuous auditor keeps the findings record bounded', () => {
  it('deletes closed findings and repairs past --audit-keep-findings, and those closed longer ago than the window, once a pass; open ones stay', async () => {
    const store = new MemoryStore()
    const now = Date.now()
    const hour = 3_600_000
    const record = (key: string, at: number, resolvedAt: number | undefined, kind: 'finding' | 'repair' = 'finding') =>
      store.recordFinding({ kind, check: 'seq-gap', doc: 'gone', key, message: key, node: 'n', repairable: false, at, resolvedAt })
    // Open for 20 hours (a doc no pass reaches: it is not in the store): kept whatever its age.
    await record('open', now - 20 * hour, undefined)
    // Seen 10 h ago, resolved 10 min ago: the oldest by first sight, so past the count.
    await record('long-standing', now - 10 * hour, now - 600_000)
    // Resolved 4 h ago: within the newest 4, but closed longer ago than the 1 h window.
    await record('old', now - 5 * hour, now - 4 * hour)
    for (const i of [1, 2, 3]) await record(`repair-${i}`, now - 4000 + i * 1000, now - 4000 + i * 1000, 'repair')
    const server = await createServer({
      port: 0,
      store,
      logLevel: 'silent',
      audit: { intervalMs: 20, keepClosedFindings: 4, closedFindingsMaxAgeMs: hour },
    })
    try {
      const auditor = server.auditor
      if (!auditor) throw new Error('no auditor')
      await expect.poll(async () => (await auditor.status()).passes, { timeout: 10_000 }).toBeGreaterThanOrEqual(1)
      expect((await store.listFindings({ limit: 100 })).map((f) => f.key)).toEqual(['repair-3', 'repair-2', 'repair-1', 'open'])
    } finally {
      await server.close()
    }
  })
})

describe('[AUDIT-5] findings another node opened', () => {
  it('on a doc that is clean here: resolved by the next pass (a clean doc without open findings is not read for them)', async () => {
    const store = new MemoryStore()
    const d = new Doc({ replicaId: 77 })
    const writes: Promise<number>[] = []
    d.on('delta', (bytes: Uint8Array) => writes.push(store.append('clean', { bytes: bytes.slice(), ranges: inspectDelta(bytes).ranges })))
    d.getText('body').insert(0, 'hi')
    await Promise.all(writes)
    const server = await createServer({ port: 0, store, logLevel: 'silent', audit: { intervalMs: 20 } })
    try {
      const auditor = server.auditor
      if (!auditor) throw new Error('no auditor')
      await expect.poll(async () => (await auditor.status()).passes, { timeout: 10_000 }).toBeGreaterThanOrEqual(1)
      // Opened by another node (as it would be through a shared store) after this node's pass began or ended.
      const at = Date.now()
      await store.recordFinding({ kind: 'finding', check: 'seq-gap', doc: 'clean', key: 'x', message: 'seen elsewhere', node: 'other', repairable: false, at })
      await expect.poll(async () => (await store.openFindings('clean')).length, { timeout: 10_000, interval: 20 }).toBe(0)
      expect((await store.listFindings({ limit: 10 }))[0]).toMatchObject({ key: 'x', node: 'other', resolvedAt: expect.any(Number) })
    } finally {
      await server.close()
    }
  })
})

/** pino from the server package (the tests package does not depend on it): the auditor's log lines, as JSON. */
function captureLog(): { logger: NonNullable<ServerOptions['logger']>; lines: Array<{ msg: string; check?: string }> } {
  const pino = createRequire(new URL('../../packages/server/package.json', import.meta.url))('pino') as (
    o: { level: string },
    stream: { write(line: string): void },
  ) => NonNullable<ServerOptions['logger']>
  const lines: Array<{ msg: string; check?: string }> = []
  return { logger: pino({ level: 'info' }, { write: (line) => lines.push(JSON.parse(line)) }), lines }
}

describe('[AUDIT-10] the continuous auditor checks the engine and the bus at a pace of their own', () => {
  it('finds an inactive replication slot (PostgreSQL) and a JetStream consumer left behind (the bus) within engineIntervalMs, records each once in the store, counts it in /metrics, logs it once; both cleared once fixed', async () => {
    const NATS = process.env.WEFT_TEST_NATS ?? 'nats://127.0.0.1:4222'
    const ENGINE_MS = 500
    const cluster = await startPgCluster()
    const url = await cluster.createDatabase('weft_audit_engine_ticks')
    const store = await PostgresStore.open({ url, poolSize: 4 })
    await writeHistory(store, 'doc:1', 801, typing(4))
    const stream = `weft_ca_${randomBytes(3).toString('hex')}`
    const slot = `weft_ca_${randomBytes(3).toString('hex')}`
    const nc = await connect({ servers: NATS })
    const jsm = await jetstreamManager(nc)
    await jsm.streams.add({ name: stream, subjects: [`${stream}.>`] })
    const { logger, lines } = captureLog()
    const server = await createServer({
      port: 0,
      store,
      logger,
      audit: { intervalMs: 50, engineIntervalMs: ENGINE_MS, bus: { url: NATS, streams: stream, maxPending: 3 } },
    })
    try {
      const auditor = server.auditor
      if (!auditor) throw new Error('no auditor')
      await expect.poll(async () => (await auditor.status()).engineChecks, { timeout: 10_000 }).toBeGreaterThanOrEqual(1)
      expect((await auditor.status()).findings).toEqual([])

      // Behind the server's back: a slot nobody consumes (it keeps WAL on the primary), a consumer nobody reads.
      await cluster.query('SELECT pg_create_physical_replication_slot($1, true)', [slot])
      await jsm.consumers.add(stream, { durable_name: 'reader', ack_policy: AckPolicy.Explicit })
      for (let i = 0; i < 5; i++) await jetstream(nc).publish(`${stream}.x`, new Uint8Array([i]))
      const injected = Date.now()
      // The stated bound: the next engine run, at most engineIntervalMs after the last, plus one tick's wait.
      const bound = ENGINE_MS + 50 + 1000
      const checks = async () => (await auditor.status()).findings.map((f) => `${f.check} ${f.doc ?? '(engine)'}`).sort()
      await expect.poll(checks, { timeout: bound, interval: 20 }).toEqual(['bus-consumer-lagging (engine)', 'pg-slot-inactive (engine)'])
      const foundAfterMs = Date.now() - injected
      console.log(`auditor: engine and bus checks every ${ENGINE_MS} ms; both found ${foundAfterMs} ms after they were made (bound ${bound} ms)`)
      expect(foundAfterMs).toBeLessThanOrEqual(bound)
      expect(await metric(server, /^weft_audit_findings_open\{check="pg-slot-inactive"\}/)).toBe('weft_audit_findings_open{check="pg-slot-inactive"} 1')
      expect(await metric(server, /^weft_audit_findings_open\{check="bus-consumer-lagging"\}/)).toBe('weft_audit_findings_open{check="bus-consumer-lagging"} 1')
      // In the store: a node reading the same database sees them.
      expect((await store.openFindings('')).map((f) => f.check).sort()).toEqual(['bus-consumer-lagging', 'pg-slot-inactive'])

      // Seen again by three more runs (the consumer's counts and the slot's WAL change meanwhile): one record, one count, one log line each.
      const runs = (await auditor.status()).engineChecks
      await jetstream(nc).publish(`${stream}.x`, new Uint8Array([9]))
      await expect.poll(async () => (await auditor.status()).engineChecks, { timeout: 10_000 }).toBeGreaterThanOrEqual(runs + 3)
      expect(await metric(server, /^weft_audit_findings_total\{check="pg-slot-inactive"\}/)).toBe('weft_audit_findings_total{check="pg-slot-inactive"} 1')
      expect(await metric(server, /^weft_audit_findings_total\{check="bus-consumer-lagging"\}/)).toBe(
        'weft_audit_findings_total{check="bus-consumer-lagging"} 1',
      )
      const logged = lines.filter((l) => l.msg.startsWith('audit finding')).map((l) => l.check)
      expect(logged.sort()).toEqual(['bus-consumer-lagging', 'pg-slot-inactive'])

      // Fixed: the slot dropped, the messages read and acked. The next run clears both.
      await cluster.query('SELECT pg_drop_replication_slot($1)', [slot])
      const reader = await jetstream(nc).consumers.get(stream, 'reader')
      for await (const m of await reader.fetch({ max_messages: 6, expires: 2000 })) await m.ackAck()
      await expect.poll(checks, { timeout: bound + 2000, interval: 20 }).toEqual([])
      expect(await metric(server, /^weft_audit_findings_open\{check="pg-slot-inactive"\}/)).toBeUndefined()
      expect(
        lines
          .filter((l) => l.msg === 'audit finding cleared')
          .map((l) => l.check)
          .sort(),
      ).toEqual(['bus-consumer-lagging', 'pg-slot-inactive'])
    } finally {
      await server.close()
      await jsm.streams.delete(stream).catch(() => {})
      await nc.close()
      await cluster.destroy()
    }
  }, 60_000)
})
