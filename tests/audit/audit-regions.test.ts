import { Doc, inspectDelta } from '@weft/crdt-core'
import { MemoryStore, PostgresStore, createServer, runAuditCommand, type WeftServer } from '@weft/server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { until } from '../regions/harness/readers.js'
import { type Regions, startRegions } from '../regions/harness/regions-run.js'

interface ReplicaJson {
  findingsTotal: number
  docsAudited: number
  caughtUpWhileAuditing: number
  findings: Array<{ check: string; doc: string; replica: string; message: string; repairable: boolean; repairAction?: string; detail: Record<string, unknown> }>
  repairs?: Array<{ check: string; doc: string; replica: string; action: string; ok: boolean; note: string }>
  remaining: number
}

const NAMES = ['a', 'b', 'c'] as const

/** One transaction of `replicaId` typing `text`: one delta whose dots are `replicaId:1..text.length`. */
function typed(replicaId: number, text: string, base?: Doc): { doc: Doc; delta: Uint8Array } {
  const doc = base ?? new Doc({ replicaId })
  let delta: Uint8Array | undefined
  const off = doc.on('delta', (b: Uint8Array) => (delta = b.slice()))
  doc.transact(() => doc.getText('body').insert(doc.getText('body').length, text))
  off?.()
  return { doc, delta: delta as Uint8Array }
}

describe('weft-server audit --region: replicas compared across three regions (real processes, PostgreSQL each)', () => {
  let net: Regions
  const stores = new Map<string, PostgresStore>()
  const regionArgs = () => NAMES.flatMap((n) => ['--region', `${n}=${net.get(n).httpUrl}`])
  const audit = async (...extra: string[]) => {
    let out = ''
    let err = ''
    const code = await runAuditCommand(
      [...regionArgs(), ...extra],
      { WEFT_PEER_SECRET: net.secret },
      { write: (x: string) => (out += x) },
      { write: (x: string) => (err += x) },
    )
    return { code, out, err, json: (extra.includes('--json') ? JSON.parse(out) : undefined) as ReplicaJson }
  }

  beforeAll(async () => {
    net = await startRegions({ names: NAMES })
    for (const n of NAMES) stores.set(n, await PostgresStore.open({ url: net.get(n).db.url, poolSize: 1 }))
  }, 180_000)
  afterAll(async () => {
    for (const s of stores.values()) await s.close()
    await net?.close()
  }, 60_000)

  it('[AUDIT-4] a diverged region (same version vector, other content written into its store) and a lagging one (cut off) are each reported, exit 1; --repair replaces the diverged copy with the majority content and re-sends to the lagging one, exit 0', async () => {
    const a = stores.get('a') as PostgresStore
    const b = stores.get('b') as PostgresStore
    // Two docs written in region a's store; replication carries them to b and c.
    const div = typed(777, 'hello')
    await a.append('audit:div', { bytes: div.delta, ranges: inspectDelta(div.delta).ranges })
    const lag = typed(888, 'one ')
    await a.append('audit:lag', { bytes: lag.delta, ranges: inspectDelta(lag.delta).ranges })
    await until(async () => (await audit('--json', '--settle', '0ms')).code === 0, 60_000, 'the regions converge and audit clean')
    const clean = await audit('--json')
    expect(clean.json.findings).toEqual([])
    expect(clean.json.docsAudited).toBe(2)

    // Behind the protocol's back: region b's delta gets other content under the very same dots.
    const forged = typed(777, 'HELLO').delta
    expect(inspectDelta(forged).ranges).toEqual(inspectDelta(div.delta).ranges)
    await (b as unknown as { pool: import('pg').Pool }).pool.query('UPDATE weft_deltas SET bytes = $1 WHERE doc = $2', [Buffer.from(forged), 'audit:div'])

    // Region c is cut off from both peers; a write in a reaches b only.
    net.isolate('c', true)
    const more = typed(888, 'two', lag.doc)
    await a.append('audit:lag', { bytes: more.delta, ranges: inspectDelta(more.delta).ranges })
    await until(async () => (await b.head('audit:lag')).seq === 2, 30_000, 'b imports the second write')

    // A silent cut is noticed after 3 s without a frame on the heads stream ([REGION-1]); only then does c count its lag.
    let found = await audit('--json', '--settle', '500ms')
    const lagBehindA = () => {
      const l = found.json.findings.find((f) => f.check === 'replica-lagging')
      return (l?.detail.lagMs as Record<string, number> | undefined)?.a ?? 0
    }
    await until(
      async () => {
        found = await audit('--json', '--settle', '500ms')
        return lagBehindA() > 400
      },
      30_000,
      'c counts how long it has been cut off from a',
    )
    expect(found.json.findings.map((f) => `${f.check} ${f.doc} ${f.replica}`)).toEqual(['replica-diverged audit:div b', 'replica-lagging audit:lag c'])
    const [diverged, lagging] = found.json.findings as [ReplicaJson['findings'][0], ReplicaJson['findings'][0]]
    expect(diverged.message).toMatch(/^b has the same version vector \{777:5\} as a, c but digest [0-9a-f]{12} \(a, c: [0-9a-f]{12}\)$/)
    expect(diverged).toMatchObject({ repairable: true, repairAction: 'replace' })
    expect(lagging.message).toMatch(
      /^c lacks 3 dot\(s\) \(888:5-7\) held by a, b; c last caught up with a \d+\.\d s ago, c last caught up with b \d+\.\d s ago$/,
    )
    expect(lagging.detail).toMatchObject({ dots: 3, leaders: ['a', 'b'] })
    expect((lagging.detail.lagMs as Record<string, number>).a).toBeGreaterThan(400)
    expect(found.code).toBe(1)

    // The table a person reads.
    const table = await audit('--settle', '0ms')
    expect(table.out).toMatch(/^replica-diverged +audit:div +b has the same version vector \{777:5\}.* \[repairable\]$/m)
    expect(table.code).toBe(1)

    const repaired = await audit('--json', '--repair', '--settle', '0ms')
    expect(repaired.json.repairs?.map((r) => `${r.action} ${r.doc} ${r.replica} ${r.ok}`)).toEqual(['replace audit:div b true', 'resend audit:lag c true'])
    expect(repaired.json.repairs?.[0]?.note).toMatch(/^content replaced by a's \(digest [0-9a-f]{12}\), one snapshot at seq 1, log under it pruned$/)
    expect(repaired.json.repairs?.[1]?.note).toMatch(/^re-sent the state of a: 1 delta\(s\) appended on c, told to its nodes$/)
    expect(repaired.json.remaining).toBe(0)
    expect(repaired.code).toBe(0)

    // Healed while c is still cut off: b holds a's content again, c the second write.
    const after = await audit('--json', '--settle', '0ms')
    expect(after.json.findings).toEqual([])
    expect(after.code).toBe(0)
    const bDoc = Doc.load((await b.load('audit:div')).snapshot?.bytes as Uint8Array)
    expect(bDoc.getText('body').toString()).toBe('hello')
    net.isolate('c', false)
  }, 120_000)

  it("[AUDIT-9] a write acknowledged at all-regions leaves a receipt the audit checks (exit 0); deleted from region b behind the protocol's back, receipt-not-held names b (exit 1); --repair re-sends it and the receipt holds again (exit 0)", async () => {
    const a = stores.get('a') as PostgresStore
    const b = stores.get('b') as PostgresStore
    const doc = 'audit:receipt'
    const w = typed(999, 'kept')
    await a.append(doc, { bytes: w.delta, ranges: inspectDelta(w.delta).ranges })
    // The ack a client's whenSavedIn(…, 'all-regions') waits for, asked of region a.
    const q = new URLSearchParams({ doc, level: 'all-regions', vv: JSON.stringify({ 999: 4 }), timeoutMs: '30000' })
    const res = await fetch(`${net.get('a').httpUrl}/regions/level?${q}`, { headers: { authorization: `Bearer ${net.secret}` } })
    const answer = (await res.json()) as { reached: boolean; regions: string[] }
    expect(answer.reached).toBe(true)
    expect([...answer.regions].sort()).toEqual(['a', 'b', 'c'])
    const clean = await audit('--json', '--docs', doc, '--settle', '0ms')
    expect(clean.json.findings).toEqual([])
    expect((clean.json as unknown as { receipts: { checked: number; unchecked: string[] } }).receipts).toEqual({ checked: 1, unchecked: [] })
    expect(clean.code).toBe(0)

    // b cut off (so anti-entropy cannot heal it first), then the acknowledged write deleted from b's store.
    net.isolate('b', true)
    try {
      const pool = (b as unknown as { pool: import('pg').Pool }).pool
      await pool.query('DELETE FROM weft_deltas WHERE doc = $1', [doc])
      await pool.query('UPDATE weft_docs SET head_seq = 0 WHERE doc = $1', [doc])
      await pool.query('DELETE FROM weft_doc_replicas WHERE doc = $1', [doc])
      const lost = await audit('--json', '--docs', doc, '--settle', '0ms')
      expect(lost.json.findings.map((f) => `${f.check} ${f.replica}`)).toEqual(['receipt-not-held b', 'replica-lagging b'])
      expect(lost.json.findings[0]?.message).toMatch(
        /^write \{999:4\} acknowledged at all-regions by a on \d{4}-\d\d-\d\dT[\d:.]+Z as held by [abc], [abc], [abc]: b no longer holds it \(lacks 999:1-4\)$/,
      )
      expect(lost.json.findings[0]).toMatchObject({ repairable: false, detail: { level: 'all-regions', from: 'a', lacks: '999:1-4' } })
      expect(lost.code).toBe(1)
      const table = await audit('--docs', doc, '--settle', '0ms')
      expect(table.out).toMatch(/^receipt-not-held +audit:receipt +write \{999:4\} acknowledged at all-regions.* \[needs you\]$/m)
      expect(table.out).toMatch(/^receipts: 1 write\(s\) acknowledged at a level checked against the regions that held them$/m)

      const repaired = await audit('--json', '--docs', doc, '--settle', '0ms', '--repair')
      expect(repaired.json.repairs?.map((r) => `${r.check} ${r.replica} ${r.action} ${r.ok}`)).toEqual([
        'replica-lagging b resend true',
        'receipt-not-held b none true',
      ])
      expect(repaired.json.repairs?.[1]?.note).toBe('b holds the acknowledged write again')
      expect(repaired.json.remaining).toBe(0)
      expect(repaired.code).toBe(0)
      expect((await audit('--json', '--docs', doc, '--settle', '0ms')).code).toBe(0)
    } finally {
      net.isolate('b', false)
    }
  }, 90_000)

  it('[AUDIT-4] exit 2 when a region cannot be reached or refuses the credential; the routes are never open', async () => {
    let err = ''
    const cannot = await runAuditCommand(
      ['--region', `a=${net.get('a').httpUrl}`, '--region', 'gone=http://127.0.0.1:9'],
      { WEFT_PEER_SECRET: net.secret },
      { write: () => {} },
      { write: (x: string) => (err += x) },
    )
    expect(err).toMatch(/gone \(http:\/\/127\.0\.0\.1:9\) is unreachable/)
    expect(cannot).toBe(2)
    err = ''
    const refused = await runAuditCommand([...regionArgs(), '--token', 'not-the-secret'], {}, { write: () => {} }, { write: (x: string) => (err += x) })
    expect(err).toMatch(/refused the credential/)
    expect(refused).toBe(2)
    expect((await fetch(`${net.get('a').httpUrl}/audit/replica/digests`)).status).toBe(401)
    expect((await fetch(`${net.get('a').httpUrl}/audit/replica/replace?doc=x`, { method: 'POST' })).status).toBe(401)
  })
})

describe('weft-server audit --node: two single-node servers, each with its own store', () => {
  it('[AUDIT-4] a doc only one node holds is lagging on the other (exit 1); --repair re-sends it and the nodes then agree (exit 0)', async () => {
    const servers = [
      await createServer({ port: 0, store: new MemoryStore(), logLevel: 'silent', adminToken: 'admin-token-x' }),
      await createServer({ port: 0, store: new MemoryStore(), logLevel: 'silent', adminToken: 'admin-token-x' }),
    ]
    try {
      const [one, two] = servers as [WeftServer, WeftServer]
      const d = typed(4242, 'only here')
      await one.store.append('n:1', { bytes: d.delta, ranges: inspectDelta(d.delta).ranges })
      const args = ['--node', one.url, '--node', two.url, '--token', 'admin-token-x', '--json', '--settle', '0ms']
      let out = ''
      const code = await runAuditCommand(args, {}, { write: (x: string) => (out += x) }, { write: () => {} })
      const name = new URL(two.url).host
      expect((JSON.parse(out) as ReplicaJson).findings.map((f) => [f.check, f.doc, f.replica, f.message])).toEqual([
        ['replica-lagging', 'n:1', name, `${name} lacks 9 dot(s) (4242:1-9) held by ${new URL(one.url).host} (it has no copy of the doc)`],
      ])
      expect(code).toBe(1)
      out = ''
      expect(await runAuditCommand([...args, '--repair'], {}, { write: (x: string) => (out += x) }, { write: () => {} })).toBe(0)
      expect((await two.store.head('n:1')).vv).toEqual({ 4242: 9 })
      out = ''
      expect(await runAuditCommand(args, {}, { write: (x: string) => (out += x) }, { write: () => {} })).toBe(0)
    } finally {
      for (const s of servers) await s.close()
    }
  })
})
