import type { FindingInput, FindingRecord, FindingsRetention, FindingsStore } from '../store/findings-store.js'
import { PostgresStore } from '../store/postgres-store.js'
import { StoreClosedError } from '../store/store-closed-error.js'
import type {
  AcquireLeaseOptions,
  AppendInput,
  DeltaRecord,
  DocHead,
  DocLease,
  LoadedDoc,
  ReadSinceResult,
  SnapshotRecord,
  Store,
  VersionVector,
  WriteSnapshotOptions,
} from '../store/store.js'
import { ShardCatalog } from './shard-catalog.js'
import { isDocMovedError, UnknownShardError } from './shard-errors.js'
import { fenceOf, installFence } from './shard-fence-schema.js'
import { type ShardMap, shardOf } from './shard-map.js'

export interface ShardedStoreOptions {
  /** The catalog database (shard map, coordinator log). */
  readonly catalogUrl: string
  /** shard id -> `postgres://…` of that shard's database. Every shard the map names must be here. */
  readonly shards: Readonly<Record<string, string>>
  /** Hash shards of a new map (default: every configured shard, sorted); an existing map is kept. */
  readonly hashShards?: readonly string[]
  /** Connections per shard (default 4). */
  readonly poolSize?: number
}

/** Hops along fences (each one a move that happened meanwhile) before a call gives up. */
const MAX_HOPS = 16

/**
 * A {@link Store} over several PostgreSQL shards: each doc lives whole on one
 * shard (a {@link PostgresStore}), found through the versioned shard map in
 * the catalog database, so per-doc rules (dense seqs, issue order, [STORE-2],
 * fenced leases) are the shard's own.
 *
 * A router may hold an old map while a doc moves ([SHARD-1]):
 * - writes reaching the old shard are refused there by the fence trigger
 *   (nothing written), and re-sent, in their issue order, to where the fence
 *   points;
 * - reads are validated after the fact: the read runs, then the doc's fence
 *   on that shard is checked; a fence means the read may have raced the move,
 *   so it is repeated on the new shard. A move commits the new shard's copy
 *   before the old shard's fence, so a read that saw no fence saw the newest
 *   data as of that moment and a doc never goes back in time.
 *
 * @example
 * ```ts
 * const store = await ShardedStore.open({ catalogUrl, shards: { a: 'postgres://db-a/weft', b: 'postgres://db-b/weft' } })
 * await store.append('note:1', { bytes, ranges })
 * ```
 */
export class ShardedStore implements Store, FindingsStore {
  private map: ShardMap
  private refreshing: Promise<void> | undefined
  /** doc -> shard learned from a fence: newer than the map until the map catches up. */
  private readonly hints = new Map<string, string>()
  /** doc -> the re-route its refused writes wait for, so they reach the new shard in issue order. */
  private readonly rerouting = new Map<string, Promise<void>>()
  private closed = false

  private constructor(
    readonly catalog: ShardCatalog,
    /** shard id -> its store (its `pool` serves the move and the audit). */
    readonly shards: ReadonlyMap<string, PostgresStore>,
    map: ShardMap,
  ) {
    this.map = map
  }

  /** Opens the catalog and every shard (migrating each and installing its fence), creating the map if there is none. */
  static async open(options: ShardedStoreOptions): Promise<ShardedStore> {
    const ids = Object.keys(options.shards).sort()
    if (ids.length === 0) throw new RangeError('ShardedStore needs at least one shard')
    const catalog = await ShardCatalog.open({ url: options.catalogUrl })
    const stores = new Map<string, PostgresStore>()
    try {
      for (const id of ids) {
        const store = await PostgresStore.open({ url: options.shards[id] as string, poolSize: options.poolSize ?? 4, applicationName: `weft-shard-${id}` })
        stores.set(id, store)
        await installFence(store.pool)
      }
      await catalog.initialize(options.hashShards ?? ids)
      const map = await catalog.load()
      if (!map) throw new Error('shard map missing right after it was initialized')
      for (const id of [...map.hashShards, ...map.placements.values()]) if (!stores.has(id)) throw new UnknownShardError(id)
      return new ShardedStore(catalog, stores, map)
    } catch (error) {
      await Promise.all([...stores.values()].map((s) => s.close().catch(() => {})))
      await catalog.close().catch(() => {})
      throw error
    }
  }

  /** The map this router routes by (it may lag the catalog's until a fence is met or {@link refreshMap} runs). */
  get currentMap(): ShardMap {
    return this.map
  }

  /** The shard this router sends `doc` to now. */
  route(doc: string): string {
    return this.hints.get(doc) ?? shardOf(this.map, doc)
  }

  /** Reloads the map from the catalog (one load at a time). */
  refreshMap(): Promise<void> {
    this.refreshing ??= this.catalog
      .load()
      .then((map) => {
        if (map && map.version > this.map.version) {
          this.map = map
          for (const [doc, shard] of this.hints) if (shardOf(map, doc) === shard) this.hints.delete(doc)
        }
      })
      .finally(() => {
        this.refreshing = undefined
      })
    return this.refreshing
  }

  async append(doc: string, input: AppendInput): Promise<number> {
    this.assertOpen()
    for (let hop = 0; ; hop++) {
      const waiting = this.rerouting.get(doc)
      if (waiting) await waiting
      const shard = this.route(doc)
      try {
        return await this.store(shard).append(doc, input)
      } catch (error) {
        if (!isDocMovedError(error) || hop >= MAX_HOPS) throw error
        this.reroute(doc, shard)
      }
    }
  }

  readSince(doc: string, vv: VersionVector): Promise<ReadSinceResult> {
    return this.read(doc, (s) => s.readSince(doc, vv))
  }

  readAfterSeq(doc: string, afterSeq: number): Promise<readonly DeltaRecord[]> {
    return this.read(doc, (s) => s.readAfterSeq(doc, afterSeq))
  }

  writeSnapshot(doc: string, snapshot: SnapshotRecord, options?: WriteSnapshotOptions): Promise<void> {
    return this.write(doc, (s) => s.writeSnapshot(doc, snapshot, options))
  }

  readSnapshot(doc: string): Promise<SnapshotRecord | undefined> {
    return this.read(doc, (s) => s.readSnapshot(doc))
  }

  load(doc: string): Promise<LoadedDoc> {
    return this.read(doc, (s) => s.load(doc))
  }

  head(doc: string): Promise<DocHead> {
    return this.read(doc, (s) => s.head(doc))
  }

  logLength(doc: string): Promise<number> {
    return this.read(doc, (s) => s.logLength(doc))
  }

  acquireLease(doc: string, options: AcquireLeaseOptions): Promise<DocLease | undefined> {
    return this.write(doc, (s) => s.acquireLease(doc, options))
  }

  /** Docs of every shard, without the fenced copies moves left behind, sorted. */
  async listDocs(): Promise<readonly string[]> {
    this.assertOpen()
    const lists = await Promise.all(
      [...this.shards.values()].map(async (s) => {
        const { rows } = await s.pool.query<{ doc: string }>(
          'SELECT doc FROM weft_docs d WHERE NOT EXISTS (SELECT 1 FROM weft_shard_fences f WHERE f.doc = d.doc)',
        )
        return rows.map((r) => r.doc)
      }),
    )
    // A doc is on two shards for a moment during a move (new copy committed, old one not yet fenced).
    return [...new Set(lists.flat())].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  }

  /**
   * One page of {@link listDocs}: each shard's next `limit` unfenced docs after `after`, merged. The
   * first `limit` of the union are complete (no shard can hold a smaller id it did not return).
   */
  async listDocsAfter(after: string | undefined, limit: number): Promise<readonly string[]> {
    this.assertOpen()
    const lists = await Promise.all(
      [...this.shards.values()].map(async (s) => {
        const { rows } = await s.pool.query<{ doc: string }>(
          `SELECT doc FROM weft_docs d
            WHERE d.doc COLLATE "C" > $1
              AND NOT EXISTS (SELECT 1 FROM weft_shard_fences f WHERE f.doc = d.doc)
            ORDER BY doc COLLATE "C" LIMIT $2`,
          [after ?? '', limit],
        )
        return rows.map((r) => r.doc)
      }),
    )
    return [...new Set(lists.flat())].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).slice(0, limit)
  }

  // Findings live on the first shard (by id): one place every node reads, whatever the map says of docs.
  async recordFinding(input: FindingInput): Promise<boolean> {
    return this.findingsShard().recordFinding(input)
  }

  async openFindings(doc: string): Promise<readonly FindingRecord[]> {
    return this.findingsShard().openFindings(doc)
  }

  async resolveFinding(finding: Pick<FindingInput, 'kind' | 'check' | 'doc' | 'key'>, at: number): Promise<boolean> {
    return this.findingsShard().resolveFinding(finding, at)
  }

  async listFindings(options: { readonly limit: number; readonly openOnly?: boolean }): Promise<readonly FindingRecord[]> {
    return this.findingsShard().listFindings(options)
  }

  async pruneFindings(options: FindingsRetention): Promise<number> {
    return this.findingsShard().pruneFindings(options)
  }

  private findingsShard(): PostgresStore {
    this.assertOpen()
    const first = [...this.shards.keys()].sort()[0] as string
    return this.store(first)
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    await Promise.all([...this.shards.values()].map((s) => s.close()))
    await this.catalog.close()
  }

  private async read<T>(doc: string, fn: (store: PostgresStore) => Promise<T>): Promise<T> {
    this.assertOpen()
    for (let hop = 0; ; hop++) {
      const shard = this.route(doc)
      const store = this.store(shard)
      const result = await fn(store)
      // Validated after the read: no fence now means none when the read ran, so it saw the doc's newest state.
      const movedTo = await fenceOf(store.pool, doc)
      if (movedTo === undefined) return result
      if (hop >= MAX_HOPS) throw new Error(`doc ${doc} kept moving while being read (${MAX_HOPS} fences followed): try again`)
      this.follow(doc, movedTo)
    }
  }

  private async write<T>(doc: string, fn: (store: PostgresStore) => Promise<T>): Promise<T> {
    this.assertOpen()
    for (let hop = 0; ; hop++) {
      const waiting = this.rerouting.get(doc)
      if (waiting) await waiting
      const shard = this.route(doc)
      try {
        return await fn(this.store(shard))
      } catch (error) {
        if (!isDocMovedError(error) || hop >= MAX_HOPS) throw error
        this.reroute(doc, shard)
      }
    }
  }

  /** Starts (once per doc) finding where `doc` went from `shard`; writes refused meanwhile wait for it in their order. */
  private reroute(doc: string, shard: string): void {
    if (this.rerouting.has(doc)) return
    const done = (async () => {
      const movedTo = await fenceOf(this.store(shard).pool, doc)
      if (movedTo !== undefined) this.follow(doc, movedTo)
      else await this.refreshMap()
    })()
      .catch(() => {})
      .finally(() => this.rerouting.delete(doc))
    this.rerouting.set(doc, done)
  }

  private follow(doc: string, shard: string): void {
    if (!this.shards.has(shard)) throw new UnknownShardError(shard)
    this.hints.set(doc, shard)
    // The map catches up in the background; the hint routes meanwhile.
    this.refreshMap().catch(() => {})
  }

  private store(shard: string): PostgresStore {
    const store = this.shards.get(shard)
    if (!store) throw new UnknownShardError(shard)
    return store
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreClosedError()
  }
}
