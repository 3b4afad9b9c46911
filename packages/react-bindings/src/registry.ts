import type { Client, DocHandle } from '@weft/client'

/** Load state of one handle, readable synchronously (Suspense needs that). */
export interface Readiness {
  readonly done: boolean
  readonly promise: Promise<void>
}

/**
 * Per-provider bookkeeping: which handles components have open (for the
 * provider-wide sync status) and whether each has loaded. Lives in the
 * provider, never in module state, so two providers never share it.
 */
export class HandleRegistry {
  private readonly counts = new Map<DocHandle, number>()
  private readonly listeners = new Set<() => void>()
  private readonly loaded = new WeakMap<DocHandle, Readiness>()
  private snapshot: readonly DocHandle[] = []

  constructor(readonly client: Client) {}

  /** A component uses `handle`; returns the release function. */
  retain(handle: DocHandle): () => void {
    this.counts.set(handle, (this.counts.get(handle) ?? 0) + 1)
    this.changed()
    let released = false
    return () => {
      if (released) return
      released = true
      const n = (this.counts.get(handle) ?? 1) - 1
      if (n > 0) this.counts.set(handle, n)
      else this.counts.delete(handle)
      this.changed()
    }
  }

  /** Handles in use, as a stable array that changes identity only when the set changes. */
  handles(): readonly DocHandle[] {
    return this.snapshot
  }

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn)
    return () => this.listeners.delete(fn)
  }

  /** Readiness of `handle`; the same object until it loads. */
  readiness(handle: DocHandle): Readiness {
    let r = this.loaded.get(handle)
    if (!r) {
      const entry = { done: false, promise: handle.ready }
      r = entry
      this.loaded.set(handle, entry)
      void handle.ready.then(
        () => this.loaded.set(handle, { done: true, promise: entry.promise }),
        () => this.loaded.set(handle, { done: true, promise: entry.promise }),
      )
    }
    return r
  }

  private changed(): void {
    const next = [...this.counts.keys()]
    const same = next.length === this.snapshot.length && next.every((h, i) => h === this.snapshot[i])
    if (same) return
    this.snapshot = next
    for (const fn of [...this.listeners]) fn()
  }
}
