import { describe, expect, it } from 'vitest'
import { parseCliArgs } from './cli-args.js'

describe('parseCliArgs', () => {
  it('[STRONG-6] --strong auto: jetstream with --strong-nats, postgres with --store, memory for one SQLite node, off with a bus', () => {
    const pg = ['--store', 'postgres://127.0.0.1/weft']
    expect(parseCliArgs([], {}).strong).toBe('memory')
    expect(parseCliArgs(pg, {}).strong).toBe('postgres')
    expect(parseCliArgs([...pg, '--bus', 'nats://127.0.0.1:4222'], {}).strong).toBe('postgres')
    expect(parseCliArgs(['--db', ':memory:', '--bus', 'nats://127.0.0.1:4222'], {}).strong).toBe('off')
    const js = parseCliArgs([...pg], { WEFT_STRONG_NATS: 'nats://a:4222, nats://b:4222,nats://c:4222' })
    expect(js).toMatchObject({ strong: 'jetstream', strongNats: ['nats://a:4222', 'nats://b:4222', 'nats://c:4222'] })
    expect(parseCliArgs([...pg, '--strong', 'off'], {}).strong).toBe('off')
    expect(() => parseCliArgs(['--strong', 'postgres'], {})).toThrow(/needs --store/)
    expect(() => parseCliArgs(['--strong', 'jetstream'], {})).toThrow(/needs --strong-nats/)
    expect(() => parseCliArgs([...pg, '--bus', 'nats://x:4222', '--strong', 'memory'], {})).toThrow(/one process only/)
    expect(() => parseCliArgs(['--strong', 'raft'], {})).toThrow(/expected auto/)
    expect(() => parseCliArgs(['--strong-nats', 'http://x'], {})).toThrow(/nats:\/\//)
  })

  it('[AUDIT-6] reads the findings retention from flags or env', () => {
    expect(parseCliArgs([], {})).toMatchObject({ auditKeepFindings: undefined, auditFindingsMaxAgeDays: undefined })
    expect(parseCliArgs(['--audit-keep-findings', '200', '--audit-findings-max-age-days', '7'], {})).toMatchObject({
      auditKeepFindings: 200,
      auditFindingsMaxAgeDays: 7,
    })
    expect(parseCliArgs([], { WEFT_AUDIT_KEEP_FINDINGS: '50' }).auditKeepFindings).toBe(50)
    expect(() => parseCliArgs(['--audit-keep-findings', 'all'], {})).toThrow(/non-negative integer/)
  })

  it('reads the shards: --shard id=url (repeated) or WEFT_SHARDS, with --store for the shard map; says what is wrong', () => {
    const store = ['--store', 'postgres://127.0.0.1/catalog']
    expect(parseCliArgs(store, {}).shards).toBeUndefined()
    expect(parseCliArgs([...store, '--shard', 'a=postgres://h1/a', '--shard', 'b=postgresql://h2/b'], {}).shards).toEqual({
      a: 'postgres://h1/a',
      b: 'postgresql://h2/b',
    })
    expect(parseCliArgs(store, { WEFT_SHARDS: 'a=postgres://h1/a, b=postgres://h2/b' }).shards).toEqual({ a: 'postgres://h1/a', b: 'postgres://h2/b' })
    expect(() => parseCliArgs(['--shard', 'a=postgres://h1/a'], {})).toThrow(/--shard needs --store/)
    expect(() => parseCliArgs([...store, '--shard', 'postgres://h1/a'], {})).toThrow(/expected id=postgres/)
    expect(() => parseCliArgs([...store, '--shard', 'a=mysql://h1/a'], {})).toThrow(/--shard a: expected a postgres:\/\/ URL/)
    expect(() => parseCliArgs([...store, '--shard', 'a=postgres://h1/a', '--shard', 'a=postgres://h2/a'], {})).toThrow(/"a" is given twice/)
    // A password never shows in the error.
    expect(() => parseCliArgs([...store, '--shard', 'A=postgres://u:secret@h1/a'], {})).toThrow(/^(?!.*secret)/)
  })

  it('has defaults', () => {
    expect(parseCliArgs([], {})).toMatchObject({
      port: 8787,
      host: '127.0.0.1',
      db: './weft.db',
      jwtSecret: undefined,
      synchronous: 'FULL',
      sqliteThread: 'worker',
      limits: {},
    })
    expect(parseCliArgs(['--sqlite-thread', 'main'], {}).sqliteThread).toBe('main')
    expect(parseCliArgs([], { WEFT_SQLITE_THREAD: 'main' }).sqliteThread).toBe('main')
  })

  it('reads env vars, and flags win over them', () => {
    const env = { WEFT_PORT: '9000', WEFT_DB: '/tmp/x.db', WEFT_JWT_SECRET: 'env-secret', WEFT_MAX_DOCS: '7' }
    expect(parseCliArgs([], env)).toMatchObject({ port: 9000, db: '/tmp/x.db', jwtSecret: 'env-secret', limits: { maxDocsPerConnection: 7 } })
    expect(parseCliArgs(['--port', '1234', '--jwt-secret', 'flag', '--host', '0.0.0.0', '--compaction-threshold', '50'], env)).toMatchObject({
      port: 1234,
      jwtSecret: 'flag',
      host: '0.0.0.0',
      compactionThreshold: 50,
    })
  })

  it('reads every limit from its flag or env var: message, presence and version-vector bounds included', () => {
    const env = { WEFT_MAX_MESSAGE_BYTES: '2048', WEFT_MAX_PRESENCE_BYTES: '512', WEFT_MAX_PRESENCE_DEPTH: '8', WEFT_MAX_VV_ENTRIES: '100' }
    expect(parseCliArgs([], env).limits).toEqual({ maxMessageBytes: 2048, maxPresenceBytes: 512, maxPresenceDepth: 8, maxVersionVectorEntries: 100 })
    const flags = ['--max-message-bytes', '4096', '--max-presence-bytes', '1024', '--max-presence-depth', '4', '--max-vv-entries', '50']
    expect(parseCliArgs(flags, env).limits).toEqual({ maxMessageBytes: 4096, maxPresenceBytes: 1024, maxPresenceDepth: 4, maxVersionVectorEntries: 50 })
    expect(() => parseCliArgs(['--max-presence-depth', '-1'], {})).toThrow(/max-presence-depth/)
  })

  it('reads the cluster flags: --store, --bus, --node-id and their env vars', () => {
    const env = { WEFT_STORE: 'postgres://u:p@db:5432/weft', WEFT_BUS: 'nats://bus:4222', WEFT_NODE_ID: 'n7' }
    expect(parseCliArgs([], env)).toMatchObject({ store: env.WEFT_STORE, bus: env.WEFT_BUS, nodeId: 'n7', testBusDrop: 0 })
    expect(parseCliArgs(['--node-id', 'n8', '--node-ttl-ms', '3000', '--bus-prefix', 'eu'], env)).toMatchObject({
      nodeId: 'n8',
      nodeTtlMs: 3000,
      busPrefix: 'eu',
    })
    expect(parseCliArgs([], {})).toMatchObject({ store: undefined, bus: undefined, nodeId: undefined })
    expect(() => parseCliArgs(['--store', './weft.db'], {})).toThrow(/postgres:\/\/ URL.*--db/)
    expect(() => parseCliArgs(['--store', 'mysql://u:secret@h/db'], {})).not.toThrow(/secret/)
    expect(() => parseCliArgs(['--bus', 'redis://x'], {})).toThrow(/nats:\/\//)
  })

  it('rejects bad values and unknown flags', () => {
    expect(() => parseCliArgs(['--port', 'abc'], {})).toThrow(/port/)
    expect(() => parseCliArgs(['--synchronous', 'OFF'], {})).toThrow(/synchronous/)
    expect(() => parseCliArgs(['--sqlite-thread', 'both'], {})).toThrow(/sqlite-thread/)
    expect(() => parseCliArgs(['--nope'], {})).toThrow()
  })
})
