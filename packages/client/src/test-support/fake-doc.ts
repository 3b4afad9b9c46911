import type { ReplicaDoc, VersionVector } from '../replica-doc.js'
import { covers } from '../replica-doc.js'

/**
 * A tiny grow-only-set CRDT with version vectors and a causal buffer, used by
 * unit tests to exercise the I/O shell without depending on crdt-core's Doc.
 * Bytes are JSON: { deps, ops: [replica, counter, value][] }.
 */
export class FakeDoc implements ReplicaDoc {
  readonly replicaId: number
  private readonly ops = new Map<string, [number, number, string]>()
  private vv: VersionVector = {}
  private buffer: Uint8Array[] = []
  private listeners = new Set<(d: Uint8Array, origin: unknown) => void>()
  private changeListeners = new Set<(d: Uint8Array, origin: unknown) => void>()

  constructor(replicaId?: number) {
    this.replicaId = replicaId ?? 1 + Math.floor(Math.random() * 2 ** 40)
  }
  get pendingCount(): number {
    return this.buffer.length
  }
  on(event: 'delta' | 'change', fn: (delta: Uint8Array, origin: unknown) => void): () => void {
    const set = event === 'delta' ? this.listeners : this.changeListeners
    set.add(fn as never)
    return () => void set.delete(fn as never)
  }
  /** Add a value as one local transaction. */
  add(value: string): void {
    const deps = { ...this.vv }
    const c = (this.vv[this.replicaId] ?? 0) + 1
    this.ops.set(`${this.replicaId}:${c}`, [this.replicaId, c, value])
    this.vv[this.replicaId] = c
    const bytes = encode(deps, [[this.replicaId, c, value]])
    for (const fn of this.listeners) fn(bytes, undefined)
    for (const fn of this.changeListeners) fn(bytes, undefined)
  }
  values(): string[] {
    return [...this.ops.values()].map((o) => o[2]).sort()
  }
  applyDelta(bytes: Uint8Array): void {
    decode(bytes) // validate first
    this.buffer.push(bytes)
    let progressed = true
    let changed = false
    while (progressed) {
      progressed = false
      for (const b of this.buffer) {
        const d = decode(b)
        if (!covers(this.vv, d.deps)) continue
        for (const [r, c, v] of d.ops) {
          if (c > (this.vv[r] ?? 0) + 1) continue // cannot happen for well-formed deltas
          if (!this.ops.has(`${r}:${c}`)) changed = true
          this.ops.set(`${r}:${c}`, [r, c, v])
          this.vv[r] = Math.max(this.vv[r] ?? 0, c)
        }
        this.buffer = this.buffer.filter((x) => x !== b)
        progressed = true
        break
      }
    }
    if (changed) for (const fn of this.changeListeners) fn(bytes, undefined)
  }
  applyDeltaIfReady(bytes: Uint8Array): boolean {
    if (!covers(this.vv, decode(bytes).deps)) return false
    this.applyDelta(bytes)
    return true
  }
  versionVector(): VersionVector {
    return { ...this.vv }
  }
  encodeDeltaSince(vv: VersionVector): Uint8Array {
    const ops = [...this.ops.values()].filter(([r, c]) => c > (vv[r] ?? 0)).sort((a, b) => a[0] - b[0] || a[1] - b[1])
    const deps: VersionVector = {}
    for (const [r, c] of Object.entries(vv)) deps[Number(r)] = Math.min(c, this.vv[Number(r)] ?? 0)
    return encode(deps, ops)
  }
  encodeState(): Uint8Array {
    return this.encodeDeltaSince({})
  }
}

function encode(deps: VersionVector, ops: [number, number, string][]): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ deps, ops }))
}
function decode(bytes: Uint8Array): { deps: VersionVector; ops: [number, number, string][] } {
  return JSON.parse(new TextDecoder().decode(bytes)) as { deps: VersionVector; ops: [number, number, string][] }
}
