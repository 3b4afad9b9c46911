import { randomBytes } from 'node:crypto'
import { openSync, closeSync, writeSync } from 'node:fs'
import { jetstream, jetstreamManager } from '@nats-io/jetstream'
import { connect } from '@nats-io/transport-node'
import { PostgresStore, auditStore, runAuditCommand } from '@weft/server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort } from '../support/free-port.js'
import { type NatsCluster, startNatsCluster } from '../support/nats-cluster.js'
import { type PgCluster, startPgCluster } from '../support/pg-cluster.js'
import { openSqlite, typing, writeHistory } from './stores.js'

interface AuditJson {
  docsAudited: number
  findings: Array<{ check: string; doc?: string; message: string; detail?: Record<string, unknown> }>
  engine: Array<{ check: string; message: string }>
}

async function audit(...args: string[]) {
  let out = ''
  let err = ''
  const code = await runAuditCommand(['--json', ...args], {}, { write: (x: string) => (out += x) }, { write: (x: string) => (err += x) })
  return { code, json: JSON.parse(out || '{}') as AuditJson, err }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * The engine's faults made for real on PostgreSQL clusters of this test's
 * own: a hot standby made by pg_basebackup (audited itself, and with its
 * replay paused while the primary writes), and a cluster killed under an
 * open store or never there.
 */
describe('audit of PostgreSQL faults: a standby, one that lags, one that is gone [AUDIT-7]', () => {
  let primary: PgCluster
  let standby: PgCluster
  let url: string
  let standbyUrl: string
  const db = 'weft_audit_faults'
  const slot = `weft_standby_${randomBytes(3).toString('hex')}`
  beforeAll(async () => {
    primary = await startPgCluster()
    url = await primary.createDatabase(db)
    const store = await PostgresStore.open({ url, poolSize: 2 })
    for (let i = 0; i < 3; i++) await writeHistory(store, `doc:${i}`, 900 + i, typing(4))
    await store.close()
    await primary.query('CREATE TABLE filler (x int)', [], db)
    standby = await startPgCluster({ standbyOf: { primary, slot } })
    standbyUrl = standby.url(db)
  }, 90_000)
  afterAll(async () => {
    await standby?.destroy()
    await primary?.query('SELECT pg_drop_replication_slot($1)', [slot]).catch(() => {})
    await primary?.destroy()
  })

  it('[AUDIT-7] a store URL naming a hot standby is audited read only: its docs, and a note that it is a standby streaming from its primary (exit 0); --repair there is refused (exit 2)', async () => {
    let r = await audit('--store', standbyUrl)
    for (let i = 0; i < 50 && !r.json.engine?.some((n) => /streaming from its primary/.test(n.message)); i++) {
      await sleep(100)
      r = await audit('--store', standbyUrl)
    }
    expect(r.err).toBe('')
    expect(r.json.docsAudited).toBe(3)
    expect(r.json.findings).toEqual([])
    expect(r.json.engine).toContainEqual({
      check: 'pg-replica-lagging',
      message: expect.stringMatching(
        /^this PostgreSQL is a standby \(in recovery\), streaming from its primary; 0\.0 KiB of WAL received and not replayed; last replayed a transaction/,
      ),
    })
    expect(r.code).toBe(0)
    // Nothing was written to it (it allows no writes): the primary's schema is what it checked.
    const repair = await audit('--store', standbyUrl, '--repair')
    expect(repair.err).toMatch(/is read only \(a standby\): run --repair against the primary/)
    expect(repair.code).toBe(2)
  })

  it('[AUDIT-7] replay paused on the standby while the primary writes: pg-replica-lagging on the primary (the standby named, its replay lag) and on the standby (WAL received, not replayed) (exit 1); resumed, both clean', async () => {
    await standby.query('SELECT pg_wal_replay_pause()', [], db)
    let writing = true
    const writer = (async () => {
      for (let i = 0; writing; i++) {
        await primary.query('INSERT INTO filler VALUES ($1)', [i], db)
        await sleep(50)
      }
    })()
    try {
      const lagging = async (u: string) => {
        for (let i = 0; i < 100; i++) {
          const r = await audit('--store', u, '--replica-max-lag', '500ms')
          if (r.json.findings?.some((f) => f.check === 'pg-replica-lagging')) return r
          await sleep(100)
        }
        const last = await audit('--store', u, '--replica-max-lag', '500ms')
        throw new Error(`no pg-replica-lagging on ${u}: ${JSON.stringify(last.json.engine)} ${last.err}`)
      }
      const onPrimary = await lagging(url)
      expect(onPrimary.json.findings).toEqual([
        expect.objectContaining({
          check: 'pg-replica-lagging',
          message: expect.stringMatching(
            /^standby '.+' at 127\.0\.0\.1(\/32)? is streaming, \d+\.\d s and \d+\.\d MiB of WAL behind \(more than 0\.5 s or not streaming\)$/,
          ),
          detail: expect.objectContaining({ state: 'streaming', replayLagMs: expect.any(Number) }),
        }),
      ])
      expect(onPrimary.json.findings[0]?.detail?.replayLagMs).toBeGreaterThan(500)
      expect(onPrimary.code).toBe(1)
      const onStandby = await lagging(standbyUrl)
      expect(onStandby.json.findings).toEqual([
        expect.objectContaining({
          check: 'pg-replica-lagging',
          message: expect.stringMatching(
            /^this standby has \d+\.\d KiB of WAL received and not replayed \(replay paused\); it last replayed a transaction (never|\d+\.\d s ago)$/,
          ),
          detail: expect.objectContaining({ replayPaused: true, receiver: 'streaming' }),
        }),
      ])
      expect(onStandby.code).toBe(1)
    } finally {
      writing = false
      await writer
      await standby.query('SELECT pg_wal_replay_resume()', [], db)
    }
    // Caught up: the primary's replay lag and the standby's unreplayed WAL fall back to nothing.
    const clean = async (u: string) => {
      for (let i = 0; i < 150; i++) {
        const r = await audit('--store', u, '--replica-max-lag', '500ms')
        if (r.code === 0) return r
        await sleep(100)
      }
      return audit('--store', u, '--replica-max-lag', '500ms')
    }
    expect((await clean(url)).json.findings).toEqual([])
    expect((await clean(standbyUrl)).json.findings).toEqual([])
  }, 60_000)

  it('[AUDIT-7] PostgreSQL gone: a port nobody listens on, or a cluster killed, cannot be opened (exit 2); killed under an open store, the audit reports pg-unreachable and reads no doc (exit 2 from the command)', async () => {
    const closed = await audit('--store', `postgres://postgres@127.0.0.1:${await freePort()}/${db}`)
    expect(closed.err).toMatch(/^weft-server audit: could not open the store: .*ECONNREFUSED/)
    expect(closed.code).toBe(2)

    const store = await PostgresStore.open({ url: standbyUrl, poolSize: 2, readOnly: true })
    try {
      await standby.crash()
      const report = await auditStore(store)
      expect(report.findings).toEqual([expect.objectContaining({ check: 'pg-unreachable', message: expect.stringMatching(/^PostgreSQL did not answer: /) })])
      expect(report.docsAudited).toBe(0)
      const killed = await audit('--store', standbyUrl)
      expect(killed.err).toMatch(/could not open the store/)
      expect(killed.code).toBe(2)
    } finally {
      await store.close()
      await standby.start()
    }
  }, 60_000)
})

/**
 * A 3-node JetStream cluster of this test's own (real nats-server processes
 * on free ports) holding an R3 stream; two of its servers killed, the one
 * left has no quorum: no stream leader, no meta leader.
 */
describe('audit of the bus: a JetStream stream that lost its quorum [AUDIT-8]', () => {
  let cluster: NatsCluster
  const stream = `weft_r3_${randomBytes(3).toString('hex')}`
  beforeAll(async () => {
    cluster = await startNatsCluster({ size: 3 })
    const nc = await connect({ servers: [...cluster.urls] })
    try {
      const jsm = await jetstreamManager(nc)
      for (let i = 0; ; i++) {
        try {
          await jsm.streams.add({ name: stream, subjects: [`${stream}.>`], num_replicas: 3 })
          break
        } catch (error) {
          // The cluster elects its meta leader shortly after it reports healthy.
          if (i > 50) throw error
          await sleep(200)
        }
      }
      await jetstream(nc).publish(`${stream}.x`, new Uint8Array([1]))
    } finally {
      await nc.close()
    }
  }, 60_000)
  afterAll(async () => {
    await cluster?.close()
  })

  it('[AUDIT-8] an R3 stream with every replica current audits clean (exit 0); one of its three servers killed: bus-stream-unhealthy naming the stream and the replica not current (exit 1); two killed (no quorum): bus-stream-unhealthy, the stream has no leader or JetStream does not answer (exit 1)', async () => {
    const busAudit = () => audit('--bus', cluster.urls[0] as string, '--bus-streams', stream)
    const until = async (ok: (r: Awaited<ReturnType<typeof busAudit>>) => boolean) => {
      let r = await busAudit()
      for (let i = 0; i < 60 && !ok(r); i++) {
        await sleep(200)
        r = await busAudit()
      }
      return r
    }
    let r = await until((x) => x.code === 0)
    expect(r.json.findings).toEqual([])
    expect(r.json.engine).toContainEqual({ check: 'bus-consumer-lagging', message: `1 JetStream stream(s) matching '${stream}' with 0 consumer(s) checked` })
    expect(r.code).toBe(0)

    // One down: the stream keeps a leader (2 of 3), one replica is offline.
    await cluster.kill(1)
    // (While it elects a new meta leader, if n1 was that, JetStream does not answer for a moment.)
    // If n1 led the stream, it reads "has no leader" until the two left elect one; then n1 is the replica not current.
    const replicaBehind = new RegExp(
      `^stream '${stream}': replica\\(s\\) n1 \\((offline|\\d+ op\\(s\\) behind|last heard from \\d+\\.\\d s ago)\\) not current$`,
    )
    r = await until((x) => x.json.findings?.some((f) => replicaBehind.test(f.message)))
    expect(r.json.findings).toEqual([
      expect.objectContaining({
        check: 'bus-stream-unhealthy',
        message: expect.stringMatching(
          new RegExp(`^stream '${stream}': replica\\(s\\) n1 \\((offline|\\d+ op\\(s\\) behind|last heard from \\d+\\.\\d s ago)\\) not current$`),
        ),
        detail: expect.objectContaining({ stream, leader: expect.stringMatching(/^n[02]$/) }),
      }),
    ])
    expect(r.code).toBe(1)

    // Two down: the one left has no quorum. Until it notices (seconds, longer on a loaded machine) it still
    // answers as the stream's leader with both replicas not current; then either the stream answers with no
    // leader (the survivor still answers for the meta layer) or JetStream answers nothing. Each is the stream
    // unhealthy, and nothing else may be reported.
    await cluster.kill(2)
    const bothBehind = new RegExp(`^stream '${stream}': replica\\(s\\) n1 \\(.+\\), n2 \\(.+\\) not current$`)
    const noLeader = new RegExp(`^stream '${stream}' has no leader: writes to it fail until one is elected$`)
    const noAnswer = /^JetStream at nats:\/\/127\.0\.0\.1:\d+ did not answer \(.+\): with no meta leader/
    const unhealthy = [bothBehind, noLeader, noAnswer]
    r = await until((x) => x.json.findings?.some((f) => unhealthy.some((u) => u.test(f.message))))
    expect(r.json.findings).toHaveLength(1)
    expect(r.json.findings[0]).toMatchObject({ check: 'bus-stream-unhealthy' })
    expect(r.json.findings[0]?.message).toMatch(new RegExp(unhealthy.map((u) => u.source).join('|')))
    expect(r.code).toBe(1)
  }, 120_000)
})

describe('audit of the engine: SQLite integrity_check [AUDIT-1]', () => {
  it("[AUDIT-1] a SQLite file whose index page was overwritten behind the store's back: sqlite-integrity with what integrity_check says (exit 1); the docs still audit", async () => {
    const s = await openSqlite()
    try {
      for (let i = 0; i < 20; i++) await writeHistory(s.store, `doc:${String(i).padStart(2, '0')}`, 600 + i, typing(3))
      await s.closeStore()
      expect((await audit(...s.args)).code).toBe(0)
      // A secondary index (the findings record's, by time) with rows in it, its page's cell area overwritten
      // behind the store's back: its entries no longer match the table's. The file closed and checkpointed first.
      for (let i = 0; i < 30; i++) {
        await s.raw(
          'INSERT INTO audit_findings (kind, check_id, doc, key, message, node, repairable, at, resolved_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)',
          ['finding', 'seq-gap', `doc:${i}`, 'k', 'old', 'n', 0, 1_000_000 + i, 2_000_000 + i],
        )
      }
      const [index] = (await s.raw("SELECT rootpage FROM sqlite_master WHERE type = 'index' AND name = 'audit_findings_at'")) as { rootpage: number }[]
      const [size] = (await s.raw('PRAGMA page_size')) as { page_size: number }[]
      if (!index || !size) throw new Error('no audit_findings_at index')
      await s.raw('PRAGMA wal_checkpoint(TRUNCATE)')
      const path = s.args[1] as string
      const fd = openSync(path, 'r+')
      try {
        writeSync(fd, Buffer.alloc(48, 0x41), 0, 48, (index.rootpage - 1) * size.page_size + size.page_size - 200)
      } finally {
        closeSync(fd)
      }
      const r = await audit(...s.args)
      expect(r.json.findings).toEqual([
        expect.objectContaining({
          check: 'sqlite-integrity',
          message: expect.stringMatching(/^PRAGMA integrity_check: \*\*\* in database main \*\*\*; .+/),
          repairable: false,
        }),
      ])
      expect(r.json.docsAudited).toBe(20)
      expect(r.code).toBe(1)
    } finally {
      await s.cleanup()
    }
  })
})
