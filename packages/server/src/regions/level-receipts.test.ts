import { describe, expect, it } from 'vitest'
import { MemoryStore } from '../store/memory-store.js'
import { PostgresStore } from '../store/postgres-store.js'
import { createTestDatabase } from '../test-support/postgres-test-database.js'
import { type LevelReceipt, openReceiptLog } from './level-receipts.js'

const receipt = (i: number): LevelReceipt => ({ doc: `d${i}`, vv: { 7: i }, level: 'quorum', regions: ['a', 'b'], needed: 2, at: 1_700_000_000_000 + i })

describe('level receipts: bounded, newest kept [AUDIT-9]', () => {
  it('[AUDIT-9] in PostgreSQL: 300 receipts with a bound of 100 keep the newest (at most 63 past the bound), round-tripped whole, paged by id', async () => {
    const db = await createTestDatabase()
    const store = await PostgresStore.open({ url: db.url, poolSize: 2 })
    try {
      const log = await openReceiptLog(store, 100)
      for (let i = 1; i <= 300; i++) await log.record(receipt(i))
      const all = await log.list(0, 1000)
      expect(all.length).toBeGreaterThanOrEqual(100)
      expect(all.length).toBeLessThanOrEqual(163)
      expect(all[all.length - 1]).toEqual({ ...receipt(300), id: 300 })
      expect(all.map((r) => r.id)).toEqual([...all.map((r) => r.id)].sort((x, y) => x - y))
      const page = await log.list(250, 10)
      expect(page.map((r) => r.doc)).toEqual(Array.from({ length: 10 }, (_, k) => `d${251 + k}`))
      // Opening it again (a restart) keeps what was there.
      expect((await (await openReceiptLog(store, 100)).list(299, 10)).map((r) => r.id)).toEqual([300])
    } finally {
      await store.close()
      await db.drop()
    }
  })

  it('[AUDIT-9] in memory (stores without PostgreSQL): exactly the newest `max`', async () => {
    const log = await openReceiptLog(new MemoryStore(), 5)
    for (let i = 1; i <= 12; i++) await log.record(receipt(i))
    expect((await log.list(0, 100)).map((r) => r.id)).toEqual([8, 9, 10, 11, 12])
  })
})
