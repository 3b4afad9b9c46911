import { type Client, WeftResidencyError, whenFresh, whenSavedIn } from '@weft/client'
import { isWeftSyncError } from '@weft/crdt-core'
import { runAuditCommand } from '@weft/server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { elements, regionClient, until } from './harness/readers.js'
import { type Regions, startRegions } from './harness/regions-run.js'

const EU = ['eu-west', 'eu-central'] as const

describe('data residency: eu:* pinned to eu-west and eu-central, real region processes with their own PostgreSQL and NATS', () => {
  let net: Regions
  const clients: Client[] = []
  const client = (region: string): Client => {
    const c = regionClient(net.get(region))
    clients.push(c)
    return c
  }
  beforeAll(async () => {
    net = await startRegions({
      names: ['eu-west', 'eu-central', 'us-east'],
      delayMs: 20,
      antiEntropyMs: 1500,
      args: ['--residency', 'eu:*=eu-west+eu-central'],
    })
  }, 300_000)
  afterAll(async () => {
    await Promise.allSettled(clients.map((c) => c.close()))
    await net?.close()
  }, 60_000)

  it('[RESIDENCY-1] [RESIDENCY-2] [RESIDENCY-4] an eu:* write in eu-west reaches eu-central, never us-east (its store, its peer requests), and quorum / all-regions count only the eu regions', async () => {
    const west = client('eu-west')
    const pinned = west.doc('eu:ledger')
    const open = west.doc('open:notes')
    const written: string[] = []
    for (let i = 0; i < 20; i++) {
      written.push(`secret.${i}`)
      pinned.doc.getList('set').push(`secret.${i}`)
      open.doc.getList('set').push(`open.${i}`)
    }
    await Promise.all([pinned.whenSaved('server'), open.whenSaved('server')])
    // quorum = majority of the doc's 2 regions: both eu regions, us-east never counted.
    const quorum = await whenSavedIn(pinned, 'quorum', { regionUrl: net.get('eu-west').httpUrl, timeoutMs: 30_000 })
    expect([...quorum].sort()).toEqual([...EU].sort())
    // With us-east cut off, all-regions of the pinned doc still resolves: its regions are the eu ones.
    net.isolate('us-east', true)
    const all = await whenSavedIn(pinned, 'all-regions', { regionUrl: net.get('eu-west').httpUrl, timeoutMs: 30_000 })
    expect([...all].sort()).toEqual([...EU].sort())
    net.isolate('us-east', false)

    const central = client('eu-central').doc('eu:ledger')
    await until(() => elements(central).length === 20, 20_000, 'eu-central to hold the pinned doc')
    // The unpinned doc written alongside reaches us-east: replication is live, only the pinned doc is held back.
    const usOpen = client('us-east').doc('open:notes')
    await until(() => elements(usOpen).length === 20, 20_000, 'us-east to hold the unpinned doc')
    // Two anti-entropy passes (full heads lists and digest checks) go by too, with no failed peer request.
    const failures = async () => {
      let n = 0
      for (const r of net.regions.values()) n += await r.metric('weft_region_peer_failures_total')
      return n
    }
    // (After a settle: a stream cut by the isolation above may still be timing out.)
    await new Promise((r) => setTimeout(r, 3_500))
    const failedBefore = await failures()
    await new Promise((r) => setTimeout(r, 3_500))
    expect(await failures(), 'peer requests failed during anti-entropy passes').toBe(failedBefore)
    const us = net.get('us-east')
    for (const table of ['weft_docs', 'weft_deltas', 'weft_snapshots', 'weft_doc_replicas']) {
      const { rows } = await us.query(`SELECT count(*)::int AS n FROM ${table} WHERE doc LIKE 'eu:%'`)
      expect(rows[0]?.n, `us-east ${table} rows of eu:* docs`).toBe(0)
    }
    expect(
      us.nodes.flatMap((n) => n.logs()).filter((l) => l.includes('pinned away')),
      'us-east was never sent a pinned doc',
    ).toEqual([])
    // A peer outside the set asking for the doc's bytes gets the refusal, not the bytes.
    for (const route of ['since', 'head', 'state']) {
      const res = await fetch(`${net.get('eu-west').httpUrl}/regions/${route}?doc=eu:ledger`, {
        headers: { authorization: `Bearer ${net.secret}`, 'x-weft-region': 'us-east' },
      })
      expect(res.status, `/regions/${route} for us-east`).toBe(403)
      expect(await res.json()).toMatchObject({ code: 'residency', doc: 'eu:ledger', regions: [...EU] })
    }
  }, 120_000)

  it('[RESIDENCY-3] a client of us-east is refused the eu:* doc, read and write, with a typed error naming where to connect', async () => {
    const h = client('us-east').doc('eu:ledger')
    h.doc.getList('set').push('written in the wrong region')
    const refused = await h.whenSaved('server').then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(isWeftSyncError(refused) && refused.code).toBe('forbidden')
    expect((refused as Error).message).toMatch(/pinned to regions eu-west, eu-central.*connect to eu-west or eu-central/)
    expect(elements(h)).toEqual(['written in the wrong region'])
    const fresh = await whenFresh(h, 'session', { regionUrl: net.get('us-east').httpUrl, timeoutMs: 5_000 }).catch((e: unknown) => e)
    expect(fresh).toBeInstanceOf(WeftResidencyError)
    expect(fresh).toMatchObject({ doc: 'eu:ledger', region: 'us-east', regions: [...EU] })
    // Nothing of it landed in us-east, nor travelled from there to the eu regions.
    const { rows } = await net.get('us-east').query(`SELECT count(*)::int AS n FROM weft_deltas WHERE doc = 'eu:ledger'`)
    expect(rows[0]?.n).toBe(0)
  }, 60_000)
  it('[RESIDENCY-5] weft audit compares eu:* only across the eu regions, and its repair routes in us-east refuse the doc', async () => {
    const h = client('eu-west').doc('eu:audited')
    h.doc.getList('set').push('kept in the eu')
    await h.whenSaved('server')
    await until(
      async () => (await net.get('eu-central').query(`SELECT count(*)::int AS n FROM weft_deltas WHERE doc = 'eu:audited'`)).rows[0]?.n === 1,
      20_000,
      'eu-central to import the doc',
    )
    let out = ''
    const code = await runAuditCommand(
      [...[...net.regions.keys()].flatMap((n) => ['--region', `${n}=${net.get(n).httpUrl}`]), '--json', '--docs', 'eu:*', '--repair'],
      { WEFT_PEER_SECRET: net.secret },
      { write: (x: string) => (out += x) },
      { write: () => {} },
    )
    const report = JSON.parse(out) as { findingsTotal: number; docsAudited: number; repairs?: unknown[] }
    // Without residency in the audit, us-east lacks every eu:* doc: "lagging", and --repair would import it there.
    expect({ code, findings: report.findingsTotal, repairs: report.repairs ?? [] }).toEqual({ code: 0, findings: 0, repairs: [] })
    expect(report.docsAudited).toBeGreaterThan(0)
    // The repair routes themselves refuse, whoever asks: the peer secret opens them, residency still holds.
    const auth = { authorization: `Bearer ${net.secret}` }
    const us = net.get('us-east')
    const imported = await fetch(`${us.httpUrl}/audit/replica/import?doc=eu:audited`, { method: 'POST', headers: auth, body: new Uint8Array([0]) })
    expect(imported.status).toBe(403)
    expect(await imported.json()).toMatchObject({ code: 'residency', doc: 'eu:audited', region: 'us-east', regions: [...EU] })
    expect((await fetch(`${us.httpUrl}/audit/replica/state?doc=eu:audited`, { headers: auth })).status).toBe(403)
    const { rows } = await us.query(`SELECT count(*)::int AS n FROM weft_docs WHERE doc LIKE 'eu:%'`)
    expect(rows[0]?.n).toBe(0)
  }, 90_000)
})
