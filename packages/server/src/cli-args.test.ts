import { describe, expect, it } from 'vitest'
import { parseCliArgs } from './cli-args.js'

describe('parseCliArgs', () => {
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

  it('rejects bad values and unknown flags', () => {
    expect(() => parseCliArgs(['--port', 'abc'], {})).toThrow(/port/)
    expect(() => parseCliArgs(['--synchronous', 'OFF'], {})).toThrow(/synchronous/)
    expect(() => parseCliArgs(['--sqlite-thread', 'both'], {})).toThrow(/sqlite-thread/)
    expect(() => parseCliArgs(['--nope'], {})).toThrow()
  })
})
