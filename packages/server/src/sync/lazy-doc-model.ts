import type { AppliedDeltaInfo, DeltaInfo, DocModel, SyncDoc, VersionVector } from '@weft/crdt-core'

/**
 * A doc that stays empty costs nothing of its own: until its first
 * `applyDelta` every read is answered by one shared empty doc, which is never
 * written. A server holds a doc per subscribed id, and most of an idle
 * fleet's docs (one per open connection, say) are never written, so this
 * keeps per-doc memory to this small object until there is content.
 */
class LazyEmptyDoc implements SyncDoc {
  private real: SyncDoc | undefined

  constructor(
    private readonly model: DocModel,
    private readonly empty: SyncDoc,
  ) {}

  applyDelta(bytes: Uint8Array, origin?: unknown): void {
    // A delta that throws leaves a materialized but empty doc: same answers as before.
    this.real ??= this.model.create()
    this.real.applyDelta(bytes, origin)
  }
  applyDeltaInspect(bytes: Uint8Array, origin?: unknown): AppliedDeltaInfo {
    this.real ??= this.model.create()
    if (this.real.applyDeltaInspect) return this.real.applyDeltaInspect(bytes, origin)
    // A model whose docs cannot: inspect, then join (two decodes).
    const info = this.model.inspectDelta(bytes)
    const real = this.real
    const novel = info.ranges.some((r) => r.to > (real.counterOf ? real.counterOf(r.replica) : (real.versionVector()[r.replica] ?? 0)))
    real.applyDelta(bytes, origin)
    return Object.assign(info, { novel })
  }
  discardPending(): void {
    this.real?.discardPending?.()
  }
  versionVector(): VersionVector {
    return (this.real ?? this.empty).versionVector()
  }
  counterOf(replica: number): number {
    const d = this.real ?? this.empty
    return d.counterOf ? d.counterOf(replica) : (d.versionVector()[replica] ?? 0)
  }
  encodeDeltaSince(vv: VersionVector): Uint8Array {
    return (this.real ?? this.empty).encodeDeltaSince(vv)
  }
  encodeState(): Uint8Array {
    return (this.real ?? this.empty).encodeState()
  }
  digest(): string {
    return (this.real ?? this.empty).digest()
  }
  get pendingCount(): number {
    return this.real?.pendingCount ?? 0
  }
}

/**
 * Wraps a {@link DocModel} so `create()` returns docs that share one empty
 * doc until written. Loaded docs (from a snapshot) are the model's own.
 *
 * @example
 * ```ts
 * const server = new SyncServer({ docModel: lazyEmptyDocs(createDocModel()) })
 * ```
 */
export function lazyEmptyDocs(model: DocModel): DocModel {
  const empty = model.create()
  return {
    create: () => new LazyEmptyDoc(model, empty),
    load: (state: Uint8Array) => model.load(state),
    inspectDelta: (bytes: Uint8Array): DeltaInfo => model.inspectDelta(bytes),
  }
}
