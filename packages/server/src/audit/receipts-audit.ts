import { vvCovers } from '@weft/crdt-core'
import { fmtVv } from './audit-doc.js'
import type { ReplicaFinding } from './replica-compare.js'
import type { ReceiptPage, ReplicaDocEntry } from './replica-wire.js'

/** The replica routes the receipts check reads. */
export interface ReceiptsSource<T extends { readonly name: string }> {
  receipts(target: T, after: number, limit: number): Promise<ReceiptPage>
  /** One doc as `target`'s store holds it now. */
  one(target: T, doc: string): Promise<ReplicaDocEntry>
}

/** What checking the receipts found besides findings. */
export interface ReceiptsSummary {
  /** Receipts checked (every region they name that is audited too). */
  readonly checked: number
  /** Regions named in receipts that were not given to the audit, so could not be checked. */
  readonly unchecked: readonly string[]
}

/** Docs' current entries kept while checking receipts (receipts of one doc tend to come together). */
const ENTRY_CACHE = 1000

/**
 * Durability receipts ([AUDIT-9]): every write a region acknowledged at a
 * level (`quorum`, `all-regions`) left a receipt naming the regions that held
 * it then. Each such region that is audited must hold it still: its store's
 * version vector of the doc covers the write's. One that does not lost a
 * write it had acknowledged (restored from an old backup, written behind the
 * protocol's back) and is `receipt-not-held`, whether or not other regions
 * hold the write now. Reads each region's receipts a page at a time, so
 * memory holds a page and a bounded cache of docs, never every receipt.
 */
export async function auditReceipts<T extends { readonly name: string }>(
  source: ReceiptsSource<T>,
  targets: readonly T[],
  o: { readonly matches: (doc: string) => boolean; readonly record: (f: ReplicaFinding) => void; readonly pageSize?: number },
): Promise<ReceiptsSummary> {
  const byName = new Map(targets.map((t) => [t.name, t]))
  const cache = new Map<string, ReplicaDocEntry>()
  const entryOf = async (t: T, doc: string): Promise<ReplicaDocEntry> => {
    const key = `${t.name}\u0000${doc}`
    const hit = cache.get(key)
    if (hit) return hit
    if (cache.size >= ENTRY_CACHE) cache.clear()
    const entry = await source.one(t, doc)
    cache.set(key, entry)
    return entry
  }
  let checked = 0
  const unchecked = new Set<string>()
  for (const from of targets) {
    let after = 0
    for (;;) {
      const page = await source.receipts(from, after, o.pageSize ?? 500)
      for (const r of page.receipts) {
        if (!o.matches(r.doc)) continue
        checked++
        const lost: { region: string; lacks: string }[] = []
        for (const region of r.regions) {
          const t = byName.get(region)
          if (!t) {
            unchecked.add(region)
            continue
          }
          const held = (await entryOf(t, r.doc)).vv
          if (!vvCovers(held, r.vv)) lost.push({ region, lacks: lacking(held, r.vv) })
        }
        const when = new Date(r.at).toISOString()
        for (const l of lost) {
          o.record({
            check: 'receipt-not-held',
            doc: r.doc,
            replica: l.region,
            message: `write ${fmtVv(r.vv)} acknowledged at ${r.level} by ${page.region ?? from.name} on ${when} as held by ${r.regions.join(', ')}: ${l.region} no longer holds it (lacks ${l.lacks})`,
            detail: { receipt: r.id, from: page.region ?? from.name, level: r.level, vv: r.vv, regions: r.regions, needed: r.needed, at: when, lacks: l.lacks },
            unrepairable: `${l.region} lost a write it had acknowledged: find out how (a restore from an older backup, a write behind Weft's back); a replica-lagging finding's --repair re-sends what it lacks`,
          })
        }
      }
      if (page.next === null) break
      after = page.next
    }
  }
  return { checked, unchecked: [...unchecked].sort() }
}

/** The dots `have` lacks of `want`, as `replica:from-to` ranges. */
function lacking(have: Readonly<Record<string, number>>, want: Readonly<Record<string, number>>): string {
  return Object.entries(want)
    .filter(([r, n]) => n > (have[r] ?? 0))
    .map(([r, n]) => {
      const from = (have[r] ?? 0) + 1
      return from === n ? `${r}:${n}` : `${r}:${from}-${n}`
    })
    .join(' ')
}
