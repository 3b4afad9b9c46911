import { randomBytes } from 'node:crypto'
import { AckPolicy, DiscardPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream'
import { connect } from '@nats-io/transport-node'
import { PostgresStore, runAuditCommand } from '@weft/server'
import { createTestDatabase } from '@weft/server/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort } from '../support/free-port.js'
import { type PgCluster, startPgCluster } from '../support/pg-cluster.js'

const NATS = process.env.WEFT_TEST_NATS ?? 'nats://127.0.0.1:4222'

interface AuditJson {
  findings: Array<{ check: string; doc?: string; message: string; detail?: Record<string, unknown> }>
  engine: Array<{ check: string; message: string }>
}

async function audit(...args: string[]) {
  let out = ''
  let err = ''
  const code = await runAuditCommand(['--json', ...args], {}, { write: (x: string) => (out += x) }, { write: (x: string) => (err += x) })
  return { code, json: JSON.parse(out || '{}') as AuditJson, err }
}

/** A table run: the text a person reads. */
async function table(...args: string[]) {
  let out = ''
  const code = await runAuditCommand(args, {}, { write: (x: string) => (out += x) }, { write: () => {} })
  return { code, out }
}

/**
 * PostgreSQL clusters of this test's own (the machine's shared one may have
 * others' slots): a single primary, then the same primary with a real
 * streaming standby made by pg_basebackup, then that standby stopped.
 */
describe('audit of the engine: PostgreSQL reachability and replication [AUDIT-7]', () => {
  let primary: PgCluster
  let url: string
  beforeAll(async () => {
    primary = await startPgCluster()
    url = await primary.createDatabase('weft_audit_repl')
    await (await PostgresStore.open({ url, poolSize: 1 })).close()
  }, 60_000)
  afterAll(async () => {
    await primary?.destroy()
  })

  it('[AUDIT-7] a single PostgreSQL with no standbys and no slots says so plainly and audits clean (exit 0)', async () => {
    const r = await audit('--store', url)
    expect(r.json.findings).toEqual([])
    expect(r.json.engine).toEqual([
      { check: 'pg-unreachable', message: expect.stringMatching(/^PostgreSQL \d+\.\d+.* answered in \d+\.\d ms$/) },
      { check: 'pg-replica-lagging', message: 'a single PostgreSQL (primary) with no standbys and no replication slots: nothing to replicate' },
    ])
    expect(r.code).toBe(0)
    const t = await table('--store', url)
    expect(t.out).toMatch(/^engine pg-replica-lagging: a single PostgreSQL \(primary\) with no standbys/m)
    expect(t.out).toMatch(/^OK: no findings$/m)
  })

  it('[AUDIT-7] a streaming standby is reported (exit 0); stopped, its slot is left without a consumer: pg-slot-inactive naming the slot (exit 1); dropped, clean again', async () => {
    const slot = `weft_standby_${randomBytes(3).toString('hex')}`
    const standby = await startPgCluster({ standbyOf: { primary, slot } })
    try {
      // The standby answers as one, and the primary lists it as streaming.
      expect((await standby.query('SELECT pg_is_in_recovery() AS r')).rows[0].r).toBe(true)
      let r = await audit('--store', url)
      for (let i = 0; i < 50 && !r.json.engine.some((n) => /1 streaming/.test(n.message)); i++) {
        await new Promise((res) => setTimeout(res, 100))
        r = await audit('--store', url)
      }
      expect(r.json.engine).toContainEqual({
        check: 'pg-replica-lagging',
        message: 'primary with 1 standby(s) connected (1 streaming) and 1 replication slot(s)',
      })
      expect(r.json.findings).toEqual([])
      expect(r.code).toBe(0)

      await standby.crash()
      r = await audit('--store', url)
      expect(r.json.findings).toEqual([
        expect.objectContaining({
          check: 'pg-slot-inactive',
          message: expect.stringMatching(new RegExp(`^replication slot '${slot}' \\(physical\\) has no consumer and retains \\d+\\.\\d MiB of WAL$`)),
          detail: expect.objectContaining({ slot, active: false }),
        }),
      ])
      expect(r.code).toBe(1)
      const t = await table('--store', url)
      expect(t.out).toMatch(new RegExp(`^pg-slot-inactive +\\(engine\\) +replication slot '${slot}'.* \\[needs you\\]$`, 'm'))
      expect(t.code).toBe(1)
    } finally {
      await standby.destroy()
      await primary.query('SELECT pg_drop_replication_slot($1)', [slot]).catch(() => {})
    }
    expect((await audit('--store', url)).code).toBe(0)
  }, 60_000)
})

/**
 * The bus on the machine's NATS (JetStream on), in a stream of this test's
 * own: a consumer nobody reads from, then a stream filled to its limit.
 */
describe('audit of the bus: NATS round trip, JetStream streams and consumers [AUDIT-8]', () => {
  const stream = `weft_audit_${randomBytes(4).toString('hex')}`
  let nc: Awaited<ReturnType<typeof connect>>
  beforeAll(async () => {
    nc = await connect({ servers: NATS })
    const jsm = await jetstreamManager(nc)
    await jsm.streams.add({ name: stream, subjects: [`${stream}.>`], max_msgs: 10, discard: DiscardPolicy.Old })
  })
  afterAll(async () => {
    await (await jetstreamManager(nc)).streams.delete(stream).catch(() => {})
    await nc?.close()
  })
  const busAudit = (...extra: string[]) => audit('--bus', NATS, '--bus-streams', stream, '--bus-max-pending', '3', ...extra)

  it('[AUDIT-8] a healthy bus audits clean (exit 0) and says the delta bus is core pub/sub', async () => {
    const r = await busAudit()
    expect(r.json.findings).toEqual([])
    expect(r.json.engine).toEqual([
      {
        check: 'bus-unreachable',
        message: expect.stringMatching(/^NATS [\d.]+ at nats:\/\/127\.0\.0\.1:\d+ answered in \d+\.\d ms; the delta bus is core pub\/sub/),
      },
      { check: 'bus-consumer-lagging', message: `1 JetStream stream(s) matching '${stream}' with 0 consumer(s) checked` },
    ])
    expect(r.code).toBe(0)
  })

  it('[AUDIT-8] a stopped consumer (5 pending) is bus-consumer-lagging (exit 1); once read and acked, clean; a stream filled to its max_msgs is bus-stream-full (exit 1)', async () => {
    const js = jetstream(nc)
    const jsm = await jetstreamManager(nc)
    await jsm.consumers.add(stream, { durable_name: 'reader', ack_policy: AckPolicy.Explicit })
    for (let i = 0; i < 5; i++) await js.publish(`${stream}.x`, new Uint8Array([i]))
    let r = await busAudit()
    expect(r.json.findings).toEqual([
      {
        check: 'bus-consumer-lagging',
        message: `consumer 'reader' of stream '${stream}' has 5 message(s) pending delivery and 0 awaiting ack (more than 3)`,
        detail: { stream, consumer: 'reader', numPending: 5, numAckPending: 0, numRedelivered: 0 },
        repairable: false,
        unrepairable: expect.any(String),
      },
    ])
    expect(r.code).toBe(1)

    // The reader comes back: fetched and acked, nothing is pending.
    const reader = await js.consumers.get(stream, 'reader')
    const batch = await reader.fetch({ max_messages: 5, expires: 2000 })
    for await (const m of batch) await m.ackAck()
    r = await busAudit()
    expect(r.json.findings).toEqual([])
    expect(r.code).toBe(0)
    await jsm.consumers.delete(stream, 'reader')

    // Filled: 9 more make 10 of max_msgs 10 (the oldest are dropped from here on).
    for (let i = 0; i < 9; i++) await js.publish(`${stream}.x`, new Uint8Array([i]))
    r = await busAudit()
    expect(r.json.findings.map((f) => f.check)).toEqual(['bus-stream-full'])
    expect(r.json.findings[0]?.message).toBe(
      `stream '${stream}' holds 10 message(s) of 10 and ${r.json.findings[0]?.detail?.bytes} B of unlimited: the oldest are dropped when full`,
    )
    expect(r.code).toBe(1)
  })

  it('[AUDIT-8] a bus nobody answers on is bus-unreachable (exit 1), and a store audit with --bus carries both', async () => {
    const port = await freePort()
    const r = await audit('--bus', `nats://127.0.0.1:${port}`)
    expect(r.json.findings).toEqual([
      expect.objectContaining({ check: 'bus-unreachable', message: expect.stringMatching(`^the bus at nats://127.0.0.1:${port} could not be reached`) }),
    ])
    expect(r.code).toBe(1)
    const db = await createTestDatabase()
    try {
      await (await PostgresStore.open({ url: db.url, poolSize: 1 })).close()
      const both = await audit('--store', db.url, '--bus', NATS, '--bus-streams', stream)
      expect(both.json.engine.map((n) => n.check)).toEqual(['pg-unreachable', 'pg-replica-lagging', 'bus-unreachable', 'bus-consumer-lagging'])
      expect(both.code).toBe(both.json.findings.length > 0 ? 1 : 0)
    } finally {
      await db.drop()
    }
  })
})
