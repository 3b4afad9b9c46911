/**
 * A checker in the spirit of Jepsen's `set-full`: clients add unique
 * elements; every element a client saw acknowledged must be in every
 * replica's final state, exactly once.
 */

/** One element a client added. */
export interface SetWrite {
  readonly element: string
  /** When the client saw it acknowledged (`whenSaved('server')` resolved), if it did. */
  readonly ackedAt?: number | undefined
}

/** A read of the set by one replica at one moment. */
export interface SetRead {
  readonly replica: string
  readonly at: number
  readonly elements: readonly string[]
}

export interface SetReport {
  /** Acknowledged, but missing from some replica's final read: `element @ replica`. */
  readonly lost: readonly string[]
  /** Present more than once in some final read. */
  readonly duplicated: readonly string[]
  /** In a final read but never added by anyone. */
  readonly unexpected: readonly string[]
  /** Never acknowledged and never read anywhere (allowed: the write was in flight when it failed). */
  readonly neverRead: readonly string[]
  /** Intermediate reads that missed an element acknowledged more than `staleAfterMs` before them (information, not a failure). */
  readonly stale: number
  readonly acked: number
  readonly ok: boolean
}

/** Checks `writes` against each replica's final read (and counts stale intermediate reads). */
export function checkSet(o: { writes: readonly SetWrite[]; finalReads: readonly SetRead[]; reads?: readonly SetRead[]; staleAfterMs?: number }): SetReport {
  const written = new Set(o.writes.map((w) => w.element))
  const lost: string[] = []
  const duplicated = new Set<string>()
  const unexpected = new Set<string>()
  const everRead = new Set<string>()
  for (const read of [...o.finalReads, ...(o.reads ?? [])]) for (const e of read.elements) everRead.add(e)
  for (const read of o.finalReads) {
    const counts = new Map<string, number>()
    for (const e of read.elements) counts.set(e, (counts.get(e) ?? 0) + 1)
    for (const [e, n] of counts) {
      if (n > 1) duplicated.add(e)
      if (!written.has(e)) unexpected.add(e)
    }
    for (const w of o.writes) if (w.ackedAt !== undefined && !counts.has(w.element)) lost.push(`${w.element} @ ${read.replica}`)
  }
  let stale = 0
  const staleAfter = o.staleAfterMs ?? 5000
  for (const read of o.reads ?? []) {
    const has = new Set(read.elements)
    for (const w of o.writes) if (w.ackedAt !== undefined && w.ackedAt + staleAfter < read.at && !has.has(w.element)) stale++
  }
  const neverRead = o.writes.filter((w) => w.ackedAt === undefined && !everRead.has(w.element)).map((w) => w.element)
  const acked = o.writes.filter((w) => w.ackedAt !== undefined).length
  return {
    lost,
    duplicated: [...duplicated],
    unexpected: [...unexpected],
    neverRead,
    stale,
    acked,
    ok: lost.length === 0 && duplicated.size === 0 && unexpected.size === 0,
  }
}
