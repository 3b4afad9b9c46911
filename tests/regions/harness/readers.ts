import { type Client, type DocHandle, createClient } from '@weft/client'
import type { Region } from './region.js'
import { quickClientOptions } from '../../support/quick-client.js'

/** A client of one region (memory storage, no tabs), quick to notice a lost connection. */
export function regionClient(region: Region): Client {
  return createClient({
    url: region.wsUrls,
    ...quickClientOptions(),
  })
}

/** The list a doc holds (elements written by the tests are unique strings). */
export function elements(h: DocHandle): string[] {
  return h.doc.getList('set').toArray() as string[]
}

export async function until(cond: () => boolean | Promise<boolean>, ms: number, what: string): Promise<number> {
  const start = Date.now()
  while (!(await cond())) {
    if (Date.now() - start > ms) throw new Error(`timed out after ${ms} ms: ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
  return Date.now() - start
}

/**
 * A fresh reader per region: opens the doc there and waits until it holds
 * every element of `expected`, then until the readers agree (equal digests).
 * Writes that were never acked may still be travelling between regions when
 * the acked ones have arrived; convergence is eventual, so it is waited for
 * within the same bound rather than read at one instant. Readers that never
 * agree are returned as they are, for the caller's assertions to report.
 */
export async function readEverywhere(
  regions: readonly Region[],
  doc: string,
  expected: ReadonlySet<string>,
  ms: number,
): Promise<{ region: string; elements: string[]; digest: string }[]> {
  const start = Date.now()
  const clients = regions.map((r) => regionClient(r))
  try {
    const handles = clients.map((c) => c.doc(doc))
    await Promise.all(
      handles.map((h, i) =>
        until(
          () => {
            const have = new Set(elements(h))
            return [...expected].every((e) => have.has(e))
          },
          ms,
          `${regions[i]!.name} to hold all ${expected.size} elements of ${doc}`,
        ).catch(() => {}),
      ),
    )
    const agreed = () => new Set(handles.map((h) => h.doc.digest())).size === 1
    await until(agreed, Math.max(0, ms - (Date.now() - start)), `the readers of ${doc} to agree`).catch(() => {})
    // Give a late duplicate the chance to show up before reading.
    await new Promise((res) => setTimeout(res, 200))
    return handles.map((h, i) => ({ region: regions[i]!.name, elements: elements(h), digest: h.doc.digest() }))
  } finally {
    await Promise.all(clients.map((c) => c.close()))
  }
}
