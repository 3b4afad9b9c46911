import { type Doc, vvEquals } from '@weft/crdt-core'
import type { Store, VersionVector } from '../store/store.js'
import { emptyStoredDoc, loadStoredDoc } from '../store/stored-doc.js'

/** A doc as this region's store replays it, at one head. */
export interface StoredDigest {
  readonly seq: number
  /** The head's version vector (what the store says it holds). */
  readonly vv: VersionVector
  /** `digest()` of the snapshot and log replayed (what it really holds). */
  readonly digest: string
}

/**
 * Digests of docs as stored, for the divergence check ([REGION-5]): two
 * regions whose heads have equal version vectors must replay to equal
 * digests. Replaying costs a read of the whole doc, so digests are cached by
 * head seq (a doc that did not move is not read again), at most `max` docs.
 */
export class DocDigests {
  private readonly cache = new Map<string, StoredDigest>()

  constructor(
    private readonly store: Store,
    private readonly max = 10_000,
  ) {}

  async digest(doc: string): Promise<StoredDigest> {
    const head = await this.store.head(doc)
    const hit = this.cache.get(doc)
    if (hit && hit.seq === head.seq) return hit
    const { doc: replayed, seq, vv } = await this.replay(doc)
    const d: StoredDigest = { seq, vv, digest: replayed.digest() }
    this.cache.delete(doc)
    this.cache.set(doc, d)
    while (this.cache.size > this.max) this.cache.delete(this.cache.keys().next().value as string)
    return d
  }

  /** The whole state as stored (the full state exchange that heals a divergence). */
  async state(doc: string): Promise<Uint8Array> {
    return (await this.replay(doc)).doc.encodeState()
  }

  /** Would joining `state` change what this store replays `doc` to? */
  async changes(doc: string, state: Uint8Array): Promise<boolean> {
    const { doc: replayed } = await this.replay(doc)
    const before = replayed.digest()
    replayed.applyDelta(state)
    return replayed.digest() !== before
  }

  private async replay(doc: string): Promise<{ doc: Doc; seq: number; vv: VersionVector }> {
    const loaded = await this.store.load(doc)
    const replayed = loaded.snapshot ? loadStoredDoc(loaded.snapshot.bytes) : emptyStoredDoc()
    for (const d of loaded.deltas) {
      try {
        replayed.applyDelta(d.bytes)
      } catch {
        // A delta that no longer decodes is itself a divergence: the digest shows it and the heal replaces what it held.
      }
    }
    return { doc: replayed, seq: loaded.head.seq, vv: loaded.head.vv }
  }
}

/** Equal heads (by version vector) whose stored states differ: a divergence. */
export function diverged(a: StoredDigest, b: StoredDigest): boolean {
  return vvEquals(a.vv, b.vv) && a.digest !== b.digest
}
