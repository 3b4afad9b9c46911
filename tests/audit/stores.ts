import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createRequire } from 'node:module'
import { Doc, inspectDelta } from '@weft/crdt-core'
import { PostgresStore, SqliteStore, type Store } from '@weft/server'
import { createTestDatabase } from '@weft/server/testing'

/** better-sqlite3 from the server package (the tests package does not depend on it). */
interface RawSqlite {
  prepare(sql: string): { reader: boolean; all(...p: unknown[]): unknown[]; run(...p: unknown[]): unknown }
  close(): void
}
const Database = createRequire(new URL('../../packages/server/package.json', import.meta.url))('better-sqlite3') as new (path: string) => RawSqlite

/**
 * A store under audit plus raw SQL on its tables, to corrupt it behind the
 * protocol's back, and the `weft-server audit` flags that open it.
 */
export interface AuditedStore {
  readonly kind: 'sqlite' | 'postgres'
  readonly store: Store
  readonly args: readonly string[]
  /** Runs SQL on the store's tables; write `docs`, `deltas`, `snapshots` and `$1`-style parameters. */
  raw(sql: string, params?: readonly unknown[]): Promise<unknown[]>
  /** Closes the store (the audit opens its own) . */
  closeStore(): Promise<void>
  cleanup(): Promise<void>
}

export async function openSqlite(): Promise<AuditedStore> {
  const dir = mkdtempSync(join(tmpdir(), 'weft-audit-'))
  const path = join(dir, 'weft.db')
  const store = new SqliteStore({ path })
  let db: RawSqlite | undefined
  return {
    kind: 'sqlite',
    store,
    args: ['--db', path],
    raw: async (sql, params = []) => {
      db ??= new Database(path)
      // $n parameters become ? in order of appearance.
      const order = [...sql.matchAll(/\$(\d+)/g)].map((m) => params[Number(m[1]) - 1])
      const stmt = db.prepare(sql.replace(/\$\d+/g, '?'))
      if (stmt.reader) return stmt.all(...order)
      stmt.run(...order)
      return []
    },
    closeStore: () => store.close(),
    cleanup: async () => {
      db?.close()
      await store.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

export async function openPostgres(): Promise<AuditedStore> {
  const db = await createTestDatabase()
  const store = await PostgresStore.open({ url: db.url, poolSize: 2 })
  return {
    kind: 'postgres',
    store,
    args: ['--store', db.url],
    raw: async (sql, params = []) => {
      const prefixed = sql
        .replace(/\b(docs|deltas|snapshots|doc_replicas)\b/g, 'weft_$1')
        .replace(/substr\(bytes, 1, length\(bytes\) - (\d+)\)/, 'substring(bytes from 1 for length(bytes) - $1)')
      return (await db.admin(prefixed, params)).rows
    },
    closeStore: () => store.close(),
    cleanup: async () => {
      await store.close()
      await db.drop()
    },
  }
}

/** Appends every delta of `edit` (run on a doc of `replicaId`) to `doc` as the server would: bytes verbatim, ranges from the delta. */
export async function writeHistory(store: Store, doc: string, replicaId: number, edit: (d: Doc) => void, base?: Doc): Promise<Doc> {
  const d = base ?? new Doc({ replicaId })
  const deltas: Uint8Array[] = []
  const off = d.on('delta', (bytes: Uint8Array) => deltas.push(bytes.slice()))
  edit(d)
  off?.()
  for (const bytes of deltas) await store.append(doc, { bytes, ranges: inspectDelta(bytes).ranges })
  return d
}

/** A doc of ~`n` keystrokes and map writes in separate transactions. */
export function typing(n: number, seedText = 'hello world '): (d: Doc) => void {
  return (d) => {
    for (let i = 0; i < n; i++) {
      d.transact(() => {
        const t = d.getText('body')
        t.insert(t.toString().length, seedText[i % seedText.length] as string)
        if (i % 5 === 0) d.getMap('meta').set('edits', i)
      })
    }
  }
}

/** A snapshot of `doc` as the compactor writes one: the state through `seq`, pruning all but `keepTail` deltas. */
export async function compact(store: Store, doc: string, seq: number, keepTail: number): Promise<void> {
  const folded = new Doc()
  for (const d of await store.readAfterSeq(doc, 0)) if (d.seq <= seq) folded.applyDelta(d.bytes)
  await store.writeSnapshot(doc, { seq, bytes: folded.encodeState(), vv: folded.versionVector() }, { pruneThroughSeq: seq - keepTail })
}
